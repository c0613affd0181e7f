// The DC-09 receiver of the npm package iobroker.sia 2.0.4 (class `sia` in build/lib/sia.js), an
// implementation nobody on this project wrote, started on 127.0.0.1 port 0 for interop tests.

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { EventEmitter } from 'node:events';
import type { Server, Socket as TcpSocket } from 'node:net';
import type { Socket } from 'node:dgram';

export interface IoBrokerAccount {
  readonly accountnumber: string;
  readonly aes: boolean;
  readonly hex?: boolean;
  readonly password?: string;
}

/** The fields of ioBroker's parse result that the tests compare. */
export interface IoBrokerParsed {
  readonly id: string;
  readonly seq: string;
  readonly rpref: string;
  readonly lpref: string;
  readonly act: string;
  readonly data_message: string;
  readonly data_extended: string;
  readonly ts: string;
}

interface SiaReceiver extends EventEmitter {
  servertcp: Server;
  serverudp: Socket;
  setAccounts(accounts: IoBrokerAccount[]): void;
  serverStartTCP(): void;
  serverStartUDP(): void;
}

type SiaConstructor = new (parameter: { host: string; port: number; timeout?: number; sockend?: boolean; logger?: unknown }) => SiaReceiver;

const require = createRequire(import.meta.url);
const { sia: Sia } = require('iobroker.sia/build/lib/sia.js') as { sia: SiaConstructor };

export interface IoBrokerReceiver {
  readonly url: string;
  /** Every message it parsed and answered with ACK. */
  readonly parsed: IoBrokerParsed[];
  /** Every message it refused (it answered NAK). */
  readonly refused: string[];
  stop(): Promise<void>;
}

export interface IoBrokerOptions {
  readonly transport: 'tcp' | 'udp';
  readonly accounts: IoBrokerAccount[];
  /** Its timestamp tolerance in seconds; 0 turns the check off. */
  readonly timeoutSec?: number;
  /** Close the TCP connection after every answer. */
  readonly sockend?: boolean;
}

const quiet = { info: () => undefined, debug: () => undefined, error: () => undefined };

export async function startIoBroker(options: IoBrokerOptions): Promise<IoBrokerReceiver> {
  const receiver = new Sia({ host: '127.0.0.1', port: 0, timeout: options.timeoutSec ?? 10, sockend: options.sockend === true, logger: quiet });
  receiver.setAccounts(options.accounts.map((account) => ({ ...account })));
  const parsed: IoBrokerParsed[] = [];
  const refused: string[] = [];
  receiver.on('sia', (message: IoBrokerParsed | undefined, error: string | undefined) => {
    if (message !== undefined) parsed.push(message);
    else refused.push(error ?? 'unknown error');
  });
  // It emits 'error' for socket errors (e.g. a write after its own end); unhandled, that would throw.
  receiver.on('error', () => undefined);
  const connections = new Set<TcpSocket>();
  receiver.servertcp.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  let port: number;
  if (options.transport === 'tcp') {
    const listening = new Promise<void>((resolve) => receiver.servertcp.once('listening', resolve));
    receiver.serverStartTCP();
    await listening;
    port = (receiver.servertcp.address() as AddressInfo).port;
  } else {
    const listening = new Promise<void>((resolve) => receiver.serverudp.once('listening', resolve));
    receiver.serverStartUDP();
    await listening;
    port = receiver.serverudp.address().port;
  }
  return {
    url: `${options.transport}://127.0.0.1:${port}`,
    parsed,
    refused,
    stop: async () => {
      // Its kept-open connections carry a 30 s timer; end them so the server can close now.
      for (const socket of connections) socket.destroy();
      if (options.transport === 'tcp') {
        await new Promise<void>((resolve) => receiver.servertcp.close(() => resolve()));
        receiver.serverudp.close();
      } else {
        await new Promise<void>((resolve) => receiver.serverudp.close(() => resolve()));
      }
    },
  };
}
