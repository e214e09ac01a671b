import { ExitCode } from './exitCode.js';

/**
 * An expected failure: the message is for the user, `hint` is the command or
 * step that fixes it, and `exitCode` is what the process exits with. Anything
 * thrown that is not an ExitError is a bug and is reported with its stack.
 */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, arguments or configuration: exit 2. */
export class UsageError extends ExitError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Usage, hint);
  }
}

/** Every problem found in the configuration, reported together: exit 2. */
export class ConfigError extends ExitError {
  constructor(readonly problems: string[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
      ExitCode.Usage,
      'fix the settings above; `recomart --help` lists the flags and docs/configuration.md the config keys',
    );
  }
}

/** A source, broker, API, lock or disk that failed us: exit 3. */
export class RuntimeError extends ExitError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Runtime, hint);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
