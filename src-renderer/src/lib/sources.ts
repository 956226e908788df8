// Settings → Sources as the form edits it and as settings.set takes it.
import type { BrokerSettings, Settings } from '../../../src-main/ipc/contract.ts';

/**
 * A broker as the contract wants it: empty optional fields left out. A password left blank with
 * `passwordSet` keeps the stored one; `passwordSet: false` (the user cleared it) forgets it.
 */
export function cleanBroker(b: BrokerSettings): BrokerSettings {
  const { user, password, ca, passwordSet, ...rest } = b;
  return {
    ...rest,
    url: rest.url.trim(),
    prefix: rest.prefix.trim(),
    ...(user ? { user } : {}),
    ...(password ? { password } : {}),
    ...(ca?.trim() ? { ca } : {}),
    ...(passwordSet !== undefined ? { passwordSet } : {}),
  };
}

export function sourcesForSave(s: Settings['sources']): Settings['sources'] {
  return { adapters: s.adapters, brokers: s.brokers.map(cleanBroker) };
}

/** The device's address without its hub ("A/aa:bb:..." -> "aa:bb:..."). */
export function plainAddress(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
