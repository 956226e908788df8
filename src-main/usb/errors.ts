export type UsbErrorCode = 'not-micropython' | 'port-busy' | 'no-answer' | 'cancelled' | 'board-error' | 'no-port';

export class UsbError extends Error {
  readonly code: UsbErrorCode;
  readonly hint: string;
  constructor(code: UsbErrorCode, message: string, hint = '') {
    super(message);
    this.name = 'UsbError';
    this.code = code;
    this.hint = hint;
  }
}
