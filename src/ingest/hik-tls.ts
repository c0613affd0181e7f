// What hik-arc accepts as the receiver's TLS trust: a CA file (PEM) and a SHA-256 pin of its
// certificate (docs/hik-receiver.md §https). The config checks its keys with these.

/** A SHA-256 certificate fingerprint as `AB:CD:…` (32 bytes), from hex with or without colons. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/[:\s]/g, '');
  if (!/^[0-9A-Fa-f]{64}$/.test(hex)) return undefined;
  return (hex.toUpperCase().match(/../g) as string[]).join(':');
}

export const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
