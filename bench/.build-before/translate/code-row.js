// Shape of one row of the vendor code tables (Hik IP Receiver Pro API guide, Appendix D).
export const CODE_FAMILIES = ['security-control', 'encoding-device', 'radar', 'access-control', 'device-status'];
