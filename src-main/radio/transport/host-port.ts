// What a controller needs from a transport: bytes from the host, a way to send bytes back.
// Transports (pty, in-process) implement it; the controller never knows which one it has.

export interface HostPort {
  /** Sends H4 bytes to the host. */
  write(bytes: Uint8Array): void;
  /** Registers the single receiver of H4 bytes from the host. */
  onData(receiver: (bytes: Uint8Array) => void): void;
  close(): void;
}
