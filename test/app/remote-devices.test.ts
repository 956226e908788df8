// Broker passwords stay in main: settings.get leaves them out (saying one is kept), and a list
// from the renderer without one keeps the stored password for the same URL and user.
import { describe, expect, it } from 'vitest';
import { keepPasswords, redactSettings } from '../../src-main/app/remote-devices.ts';
import { DEFAULT_SETTINGS, settingsSchema } from '../../src-main/ipc/contract.ts';

const stored = [
  { url: 'mqtts://broker:8883', prefix: 'picolink', user: 'dash', password: 's3cret' },
  { url: 'mqtt://other:1883', prefix: 'picolink' },
];

describe('broker passwords', () => {
  it('settings.get never carries a password, only whether one is kept', () => {
    const r = redactSettings({ ...DEFAULT_SETTINGS, sources: { adapters: true, brokers: stored } });
    expect(JSON.stringify(r)).not.toContain('s3cret');
    expect(r.sources.brokers.map((b) => b.passwordSet)).toEqual([true, false]);
    expect(settingsSchema.safeParse(r).success).toBe(true);
  });

  it('a broker sent back without a password keeps the stored one; a new one replaces it; another user gets none', () => {
    const [same, changed, otherUser] = keepPasswords(
      [
        { url: 'mqtts://broker:8883', prefix: 'site', user: 'dash', passwordSet: true },
        { url: 'mqtts://broker:8883', prefix: 'picolink', user: 'dash', password: 'new' },
        { url: 'mqtts://broker:8883', prefix: 'picolink', user: 'someone-else', passwordSet: true },
      ],
      stored,
    );
    expect(same).toEqual({ url: 'mqtts://broker:8883', prefix: 'site', user: 'dash', password: 's3cret' });
    expect(changed!.password).toBe('new');
    expect(otherUser).toEqual({ url: 'mqtts://broker:8883', prefix: 'picolink', user: 'someone-else' });
  });

  it('passwordSet: false forgets the stored password', () => {
    expect(keepPasswords([{ url: 'mqtts://broker:8883', prefix: 'p', user: 'dash', passwordSet: false }], stored)[0]).toEqual({ url: 'mqtts://broker:8883', prefix: 'p', user: 'dash' });
  });
});
