// The Boards on USB view's words: advice for each error code main sends, the install's steps,
// and a simulated board's printed lines kept in the console log (each once, even when equal).
import { describe, expect, it } from 'vitest';
import { usbErrorCodeSchema } from '../../src-main/ipc/contract.ts';
import { boardLine, filterLines, mergeLines } from '../../src-renderer/src/lib/console-log.ts';
import { PICO_W_UF2_PAGE, progressText, usbAdvice } from '../../src-renderer/src/lib/usb-advice.ts';

describe('usbAdvice', () => {
  it('has advice for every code of the contract', () => {
    for (const code of usbErrorCodeSchema.options) {
      const a = usbAdvice(code, 'm');
      expect(a.title.length, code).toBeGreaterThan(0);
      expect(a.text.length, code).toBeGreaterThan(0);
    }
  });

  it('says how to put the UF2 on a board without MicroPython, names the program holding a port, and that nothing is half-installed', () => {
    const uf2 = usbAdvice('not-micropython', 'no raw REPL').text;
    expect(uf2).toContain('BOOTSEL');
    expect(uf2).toContain(PICO_W_UF2_PAGE);
    expect(uf2).toContain('RPI_PICO_W');
    expect(usbAdvice('port-busy', 'busy', 'thonny (pid 4242)').text).toContain('(thonny (pid 4242))');
    expect(usbAdvice('no-answer', 'timeout').text).toContain('Nothing was half-installed');
    expect(usbAdvice('board-error', 'OSError: 28').text).toContain('OSError: 28');
  });

  it('words each install step', () => {
    expect(progressText({ path: 'p', phase: 'copy', file: 'main.py', done: 3, total: 12 })).toBe('Copying main.py (3 of 12)');
    expect(progressText({ path: 'p', phase: 'reset', done: 12, total: 12 })).toBe('Restarting the board');
  });
});

describe('board lines in the console log', () => {
  it('keeps two equal lines printed in the same millisecond, and filters them by board address', () => {
    const a = boardLine('aa:bb:cc:dd:ee:01', 'pico1', 1000, 'tick');
    const b = boardLine('aa:bb:cc:dd:ee:01', 'pico1', 1000, 'tick');
    const c = boardLine('aa:bb:cc:dd:ee:02', 'pico2', 1001, 'tock');
    const log = mergeLines([], [a, b, c], 100);
    expect(log).toHaveLength(3);
    expect(filterLines(log, 'aa:bb:cc:dd:ee:02', '')).toEqual([c]);
    expect(log[0]).toMatchObject({ direction: 'board', board: 'pico1', body: { kind: 'text', text: 'tick' } });
  });
});
