// Shell-like input history for the console: ArrowUp walks back through what was sent, ArrowDown
// forward, and walking past the newest entry gives back the line being typed.

export class InputHistory {
  private readonly entries: string[] = [];
  /** entries.length means "not browsing": the draft is showing. */
  private cursor = 0;
  private draft = '';

  constructor(private readonly limit = 200) {}

  get size(): number {
    return this.entries.length;
  }

  /** Records a sent line (blank lines and repeats of the newest entry are skipped) and stops browsing. */
  add(line: string): void {
    if (line.trim() !== '' && this.entries[this.entries.length - 1] !== line) {
      this.entries.push(line);
      if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    }
    this.cursor = this.entries.length;
    this.draft = '';
  }

  /** ArrowUp: the previous entry, or null when there is nothing older (the input stays as is). */
  previous(current: string): string | null {
    if (this.cursor === 0) return null;
    if (this.cursor === this.entries.length) this.draft = current;
    this.cursor--;
    return this.entries[this.cursor]!;
  }

  /** ArrowDown: the next entry, the saved draft past the newest, or null when not browsing. */
  next(): string | null {
    if (this.cursor >= this.entries.length) return null;
    this.cursor++;
    return this.cursor === this.entries.length ? this.draft : this.entries[this.cursor]!;
  }

  list(): readonly string[] {
    return this.entries;
  }
}
