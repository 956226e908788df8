// The rewrite of a firmware's top-level asyncio.run() into an await: exactly the module-scope,
// statement-level calls change; strings, comments, functions, classes, lambdas and brackets don't.
import { describe, expect, it } from 'vitest';
import { awaitTopLevelRuns } from '../../src-main/pico/top-level-run.ts';

const RUN = 'await asyncio._run_at_top';

describe('awaitTopLevelRuns', () => {
  it('rewrites the usual endings of a main.py', () => {
    expect(awaitTopLevelRuns('import asyncio\nasyncio.run(main())\n')).toBe(`import asyncio\n${RUN}(main())\n`);
    expect(awaitTopLevelRuns('import asyncio\nr = asyncio.run(main())\nprint(r)\n')).toBe(`import asyncio\nr = ${RUN}(main())\nprint(r)\n`);
    const tryFinally = 'import asyncio\ntry:\n    asyncio.run(main())\nfinally:\n    aioble.stop()\n';
    expect(awaitTopLevelRuns(tryFinally)).toBe(`import asyncio\ntry:\n    ${RUN}(main())\nfinally:\n    aioble.stop()\n`);
    const guarded = 'import asyncio\nif __name__ == "__main__":\n    asyncio.run(main())\n';
    expect(awaitTopLevelRuns(guarded)).toBe(`import asyncio\nif __name__ == "__main__":\n    ${RUN}(main())\n`);
  });

  it('follows the names the module was imported under', () => {
    expect(awaitTopLevelRuns('import uasyncio as aio\naio.run(go())\n')).toBe('import uasyncio as aio\nawait aio._run_at_top(go())\n');
    expect(awaitTopLevelRuns('import sys, asyncio\nasyncio.run(go())\n')).toBe(`import sys, asyncio\n${RUN}(go())\n`);
    expect(awaitTopLevelRuns('from asyncio import run\nrun(go())\n')).toBe('from asyncio import run\nawait __import__("asyncio")._run_at_top(go())\n');
    expect(awaitTopLevelRuns('from uasyncio import sleep, run as r\nr(go())\n')).toBe('from uasyncio import sleep, run as r\nawait __import__("asyncio")._run_at_top(go())\n');
    // Not the asyncio module, or not imported at all: unchanged.
    expect(awaitTopLevelRuns('import mylib\nmylib.run(go())\n')).toBe('import mylib\nmylib.run(go())\n');
    expect(awaitTopLevelRuns('asyncio.run(go())\n')).toBe('asyncio.run(go())\n');
  });

  it('leaves calls inside functions, classes, lambdas, brackets, strings and comments', () => {
    const src = [
      'import asyncio',
      'def start():',
      '    asyncio.run(main())',
      '',
      '    # a comment line inside the body',
      '    x = 1',
      'class App:',
      '    def go(self): asyncio.run(self.main())',
      'async def twice():',
      '    asyncio.run(main())',
      'f = lambda: asyncio.run(main())',
      'results = [asyncio.run(m()) for m in mains]',
      's = "asyncio.run(main())"',
      'done = [asyncio.run(m()) for m in mains if m]',
      "t = '''",
      'asyncio.run(main())',
      "'''",
      "u = rb'\\' asyncio.run(main())'",
      '# asyncio.run(main())',
      'v = f"{asyncio.run(main())}"',
      'obj.asyncio.run(main())',
      '',
    ].join('\n');
    expect(awaitTopLevelRuns(src)).toBe(src);
  });

  it('rewrites a call inside an expression too, as an argument or in a condition', () => {
    expect(awaitTopLevelRuns('import asyncio\nprint("r", asyncio.run(main()))\n')).toBe(`import asyncio\nprint("r", ${RUN}(main()))\n`);
    expect(awaitTopLevelRuns('import asyncio\nif not asyncio.run(ok()):\n    pass\n')).toBe(`import asyncio\nif not ${RUN}(ok()):\n    pass\n`);
  });

  it('returns to module scope after a body, and keeps continuation lines together', () => {
    const src = 'import asyncio\ndef f():\n    pass\nasyncio.run(\n    main()\n)\nx = 1 + \\\n    asyncio.run(main())\n';
    expect(awaitTopLevelRuns(src)).toBe(`import asyncio\ndef f():\n    pass\n${RUN}(\n    main()\n)\nx = 1 + \\\n    ${RUN}(main())\n`);
  });

  it('leaves an existing await and a decorated function alone', () => {
    expect(awaitTopLevelRuns('import asyncio\nawait asyncio.run(m())\n')).toBe('import asyncio\nawait asyncio.run(m())\n');
    const decorated = 'import asyncio\n@micropython.native\ndef f():\n    asyncio.run(m())\nasyncio.run(m())\n';
    expect(awaitTopLevelRuns(decorated)).toBe(`import asyncio\n@micropython.native\ndef f():\n    asyncio.run(m())\n${RUN}(m())\n`);
  });
});
