// The serial ports the OS lists, through the serialport package (which noble's UART transport
// already brings in). Settings may put a UART adapter only on one of these: a request naming any
// other path (a file, a pty, /dev/mem) is refused before noble opens it.

export interface SerialPortInfo {
  path: string;
  /** Manufacturer and product ids, when the OS knows them, to tell two dongles apart. */
  label: string | null;
}

export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  // Loaded on first use: the native binding is needed only when someone looks at UART ports.
  const { SerialPort } = await import('serialport');
  const ports = await SerialPort.list();
  return ports.map((p) => {
    const ids = p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : null;
    const label = [p.manufacturer, ids].filter((x): x is string => !!x).join(' ') || null;
    return { path: p.path, label };
  });
}
