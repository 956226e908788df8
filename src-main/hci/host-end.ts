// The host end of an HCI transport: what a host stack needs from whatever carries its H4 bytes
// (an in-process pipe, a pty, a UART). Implemented in radio/transport; used by host/ and pico/.

export interface HostEnd {
  /** Sends H4 bytes to the controller. */
  send(bytes: Uint8Array): void;
  /** Registers the receiver of H4 bytes from the controller. */
  onReceive(receiver: (bytes: Uint8Array) => void): void;
  close(): void;
}
