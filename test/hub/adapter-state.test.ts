// Each noble power state, on each way of reaching an adapter and each platform, as the typed
// condition the front ends advise on.
import { describe, expect, it } from 'vitest';
import { ADAPTER_CODES, ADAPTER_POWERS, adapterStatus, adapterStatusLabel, setcapCommand, type AdapterCode, type AdapterTransport, type HostInfo } from '../../src-main/hub/adapter/adapter-state.ts';
import { EVERY_STATUS } from './adapter-statuses.ts';

const LINUX: HostInfo = { platform: 'linux', execPath: '/usr/bin/node' };
const MAC: HostInfo = { platform: 'darwin', execPath: '/opt/homebrew/bin/node' };
const TRANSPORTS: AdapterTransport[] = [{ kind: 'os' }, { kind: 'uart', port: '/dev/ttyACM0', baudRate: null }, { kind: 'sim' }];

describe('adapterStatus', () => {
  it('maps every power state on every transport', () => {
    const table = Object.fromEntries(TRANSPORTS.map((t) => [t.kind, Object.fromEntries(ADAPTER_POWERS.map((p) => [p, adapterStatus(p, t, LINUX).code]))]));
    expect(table).toEqual({
      os: { unknown: 'unknown', resetting: 'resetting', unsupported: 'unsupported', unauthorized: 'unauthorized', poweredOff: 'powered-off', poweredOn: 'powered-on' },
      uart: { unknown: 'unknown', resetting: 'resetting', unsupported: 'unsupported', unauthorized: 'unauthorized', poweredOff: 'no-controller', poweredOn: 'powered-on' },
      sim: { unknown: 'unknown', resetting: 'resetting', unsupported: 'unsupported', unauthorized: 'unauthorized', poweredOff: 'sim-off', poweredOn: 'powered-on' },
    });
  });

  it('gives the data each piece of advice needs', () => {
    expect(adapterStatus('unauthorized', { kind: 'os' }, LINUX)).toEqual({ code: 'unauthorized', hint: { platform: 'linux', setcap: 'sudo setcap cap_net_raw,cap_net_admin+eip /usr/bin/node' } });
    expect(adapterStatus('unauthorized', { kind: 'os' }, MAC)).toEqual({ code: 'unauthorized', hint: { platform: 'darwin', setcap: null } });
    expect(adapterStatus('poweredOff', { kind: 'os' }, MAC)).toEqual({ code: 'powered-off', hint: { platform: 'darwin' } });
    expect(adapterStatus('poweredOff', { kind: 'uart', port: 'COM3', baudRate: 115200 }, LINUX)).toEqual({ code: 'no-controller', hint: { port: 'COM3', baudRate: 115200 } });
  });

  it('quotes an executable path the shell would split', () => {
    expect(setcapCommand("/home/o'neil/my node/bin/node")).toBe(`sudo setcap cap_net_raw,cap_net_admin+eip '/home/o'\\''neil/my node/bin/node'`);
  });

  it('labels every code in a few words, without advice', () => {
    const codes = new Set<AdapterCode>(EVERY_STATUS.map((s) => s.code));
    expect(codes).toEqual(new Set(ADAPTER_CODES));
    for (const s of EVERY_STATUS) {
      const label = adapterStatusLabel('hci0', s);
      expect(label.length, s.code).toBeGreaterThan(0);
      expect(label, s.code).not.toMatch(/--|Settings|setcap/);
    }
    expect(adapterStatusLabel('hci0', { code: 'powered-off', hint: { platform: 'linux' } })).toBe('Bluetooth is off on hci0');
    expect(adapterStatusLabel('uart:/dev/x', { code: 'port-missing', hint: { port: '/dev/x' } })).toBe('The serial port /dev/x does not exist');
  });
});
