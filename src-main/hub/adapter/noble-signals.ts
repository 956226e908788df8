// noble's HCI bindings (lib/hci-socket/bindings.js, start) add a SIGINT listener of their own
// when they start, which calls process.exit(1) when it is the last SIGINT listener. They start
// lazily, a tick after the first 'stateChange' listener, so after the hub's own: Ctrl-C ended
// `picolink hub --hci uart:...` with code 1 before it had closed its links, flushed its log or
// printed its summary. The process that embeds noble owns its signals, so the listener is taken
// out again as soon as start() has added it. noble's 'exit' listener, which stops the bindings as
// the process ends, stays. Patched once, on the module noble loads, for every instance.
import { createRequire } from 'node:module';

interface BindingsState {
  _sigIntHandler?: (...args: unknown[]) => void;
}

interface BindingsPrototype {
  start(this: BindingsState): void;
  picolinkOwnsSigint?: boolean;
}

export function keepSigintFromNoble(): void {
  const require = createRequire(import.meta.url);
  const Bindings = require(require.resolve('@stoprocent/noble/lib/hci-socket/bindings.js')) as { prototype: BindingsPrototype };
  const proto = Bindings.prototype;
  if (typeof proto.start !== 'function') throw new Error('this version of noble has no NobleBindings.start; noble-signals needs updating');
  if (proto.picolinkOwnsSigint) return;
  const start = proto.start;
  proto.start = function () {
    start.call(this);
    if (this._sigIntHandler) process.removeListener('SIGINT', this._sigIntHandler);
  };
  proto.picolinkOwnsSigint = true;
}
