// How the dashboard words each adapter code: with the app's settings and its simulator button,
// never a command-line flag; and every code the hub can send reaches the renderer through the
// contract unchanged.
import { describe, expect, it } from 'vitest';
import { toAdapterView } from '../../src-main/app/views.ts';
import { adapterSchema, type AdapterView } from '../../src-main/ipc/contract.ts';
import { adapterAdvice } from '../../src-renderer/src/lib/adapter-advice.ts';
import { EVERY_STATUS } from '../hub/adapter-statuses.ts';

const view = (v: AdapterView): AdapterView => adapterSchema.parse(v);

describe('dashboard adapter advice', () => {
  it('carries every code and hint through the contract as the hub gave it', () => {
    for (const s of EVERY_STATUS) {
      const v = toAdapterView('hci0', 'unsupported', s);
      expect(adapterSchema.parse(JSON.parse(JSON.stringify(v))), s.code).toEqual({ name: 'hci0', state: 'unsupported', ...s });
    }
  });

  it('refuses a code the contract does not know, or a hint that does not fit its code', () => {
    expect(adapterSchema.safeParse({ name: 'a', state: 'poweredOn', code: 'melted', hint: {} }).success).toBe(false);
    expect(adapterSchema.safeParse({ name: 'a', state: 'poweredOff', code: 'powered-off', hint: {} }).success).toBe(false);
    expect(adapterSchema.safeParse({ name: 'a', state: 'poweredOn', code: 'powered-on', hint: { port: '/dev/x' } }).success).toBe(false);
    expect(adapterSchema.safeParse({ name: 'a', state: 'on', code: 'powered-on', hint: {} }).success).toBe(false);
  });

  it('words every code with the app’s controls, never a flag', () => {
    for (const s of EVERY_STATUS) {
      const a = adapterAdvice(view(toAdapterView('hci0', 'unsupported', s)));
      expect(a.title.length, s.code).toBeGreaterThan(0);
      expect(`${a.title} ${a.text}`, s.code).not.toMatch(/--|@BAUD/);
    }
  });

  it('offers the simulator unless the adapter is on or coming back by itself', () => {
    const offers = Object.fromEntries(EVERY_STATUS.map((s) => [s.code, adapterAdvice(view(toAdapterView('hci0', 'unknown', s))).offerSim]));
    expect(offers).toEqual({
      'powered-on': false,
      unknown: false,
      resetting: false,
      'sim-off': false,
      'powered-off': true,
      'no-controller': true,
      unauthorized: true,
      unsupported: true,
      'port-missing': true,
      'start-failed': true,
    });
  });

  it('shows the Linux capability fix as a command to copy, and the settings elsewhere', () => {
    const setcap = 'sudo setcap cap_net_raw,cap_net_admin+eip /usr/bin/node';
    const linux = adapterAdvice(view({ name: 'hci0', state: 'unauthorized', code: 'unauthorized', hint: { platform: 'linux', setcap } }));
    expect(linux.fix).toBe(setcap);
    expect(linux.text).toMatch(/Settings → Adapter/);
    expect(adapterAdvice(view({ name: 'hci0', state: 'unauthorized', code: 'unauthorized', hint: { platform: 'darwin', setcap: null } }))).toMatchObject({
      fix: null,
      text: expect.stringMatching(/Privacy & Security/),
    });
    expect(adapterAdvice(view({ name: 'hci0', state: 'poweredOff', code: 'powered-off', hint: { platform: 'linux' } })).text).toMatch(/Bluetooth is off on hci0: turn it on \(bluetoothctl/);
    expect(adapterAdvice(view({ name: 'u', state: 'poweredOff', code: 'no-controller', hint: { port: '/dev/x', baudRate: null } })).text).toMatch(/port and baud rate in Settings → Adapter/);
    expect(adapterAdvice(view({ name: 'u', state: 'unsupported', code: 'port-missing', hint: { port: '/dev/x' } })).text).toMatch(/^The serial port \/dev\/x does not exist/);
    expect(adapterAdvice(view({ name: 'system adapter', state: 'unsupported', code: 'start-failed', hint: { cause: 'no Bluetooth adapter found' } })).text).toBe(
      'system adapter could not be started: no Bluetooth adapter found.',
    );
  });
});
