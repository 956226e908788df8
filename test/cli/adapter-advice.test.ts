// How `picolink hub` words each adapter code: with its own flags, never the app's settings.
import { describe, expect, it } from 'vitest';
import { adapterAdvice } from '../../src-main/cli/adapter-advice.ts';
import { EVERY_STATUS } from '../hub/adapter-statuses.ts';

describe('CLI adapter advice', () => {
  it('words every code, naming the adapter and none of the app’s controls', () => {
    for (const s of EVERY_STATUS) {
      const text = adapterAdvice('hci0', s);
      expect(text, s.code).not.toMatch(/Settings →|Use the simulator/);
      // macOS has one Bluetooth to allow; a missing port is named by its path.
      const named = s.code !== 'port-missing' && !(s.code === 'unauthorized' && s.hint.platform === 'darwin');
      if (named) expect(text, s.code).toContain('hci0');
    }
  });

  it.each([
    ['powered-on', 'hci0 is on'],
    ['unknown', 'hci0: waiting for the adapter'],
    ['resetting', 'hci0 is resetting'],
    ['sim-off', 'The virtual adapter hci0 is off; the hub goes on when it comes back.'],
  ] as const)('%s: %s', (code, text) => {
    expect(adapterAdvice('hci0', { code, hint: {} })).toBe(text);
  });

  it('offers the command-line way out for an adapter that cannot be used', () => {
    const linux = adapterAdvice('hci0', { code: 'unauthorized', hint: { platform: 'linux', setcap: 'sudo setcap cap_net_raw,cap_net_admin+eip /usr/bin/node' } });
    expect(linux).toContain('Run: sudo setcap cap_net_raw,cap_net_admin+eip /usr/bin/node');
    expect(linux).toMatch(/--hci dbus.*--sim 4/);
    expect(adapterAdvice('hci0', { code: 'unauthorized', hint: { platform: 'darwin', setcap: null } })).toMatch(/Privacy & Security.*--sim 4/);
    expect(adapterAdvice('hci0', { code: 'unsupported', hint: {} })).toMatch(/name another one with --hci, or try the simulator: --sim 4/);
    expect(adapterAdvice('hci0', { code: 'powered-off', hint: { platform: 'linux' } })).toMatch(/rfkill unblock bluetooth/);
    expect(adapterAdvice('hci0', { code: 'powered-off', hint: { platform: 'windows' } })).toMatch(/system settings/);
  });

  it('points at the baud rate the way the command line sets it', () => {
    expect(adapterAdvice('uart:/dev/ttyACM0', { code: 'no-controller', hint: { port: '/dev/ttyACM0', baudRate: null } })).toMatch(/add @BAUD to the port/);
    expect(adapterAdvice('uart:COM3@1000000', { code: 'no-controller', hint: { port: 'COM3', baudRate: 1_000_000 } })).toMatch(/@1000000 now/);
    expect(adapterAdvice('uart:/dev/x', { code: 'port-missing', hint: { port: '/dev/x' } })).toBe('the serial port /dev/x does not exist (is the dongle plugged in?)');
    expect(adapterAdvice('BlueZ default adapter', { code: 'start-failed', hint: { cause: 'no dbus-next' } })).toBe('BlueZ default adapter could not be started: no dbus-next');
  });
});
