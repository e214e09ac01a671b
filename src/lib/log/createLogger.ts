import winston from 'winston';
import type { LogLevel } from '../config/configSchema.js';
import { JsonLinesTransport } from './jsonLinesTransport.js';

export type Logger = winston.Logger;

export interface CreateLoggerOptions {
  /** JSON-lines log file; omit for no file. */
  file?: string;
  fileLevel?: LogLevel;
  /** What reaches stderr: 'silent' for --quiet with --json, 'warn' for --quiet, 'debug' for --verbose. */
  consoleLevel: LogLevel | 'silent';
  color: boolean;
  runId: string;
  command: string;
  /** Where human lines go; defaults to stderr. Tests pass their own stream. */
  stream?: NodeJS.WritableStream;
}

/**
 * Human lines on stderr, JSON lines with run id and command in the log file.
 * Every structured field passed as metadata (file, records, duration_ms,
 * outcome) lands in the JSON line; the stderr line shows only the message.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const { combine, printf, colorize } = winston.format;
  const human = printf((info) => {
    const prefix = info.level.includes('info') ? '' : `${info.level}: `;
    return `${prefix}${String(info.message)}`;
  });
  const transports: winston.transport[] = [
    new winston.transports.Stream({
      stream: options.stream ?? process.stderr,
      level: options.consoleLevel === 'silent' ? 'error' : options.consoleLevel,
      silent: options.consoleLevel === 'silent',
      format: options.color ? combine(colorize(), human) : human,
    }),
  ];
  if (options.file) {
    // At 'info' the file also keeps 'http' lines: one per HTTP attempt of a pull (status, latency, attempt).
    const level = (options.fileLevel ?? 'info') === 'info' ? 'http' : options.fileLevel;
    transports.push(new JsonLinesTransport({ file: options.file, level }));
  }
  return winston.createLogger({
    level: 'debug',
    defaultMeta: { run_id: options.runId, command: options.command },
    transports,
  });
}

/** A logger that discards everything, for library callers that pass none. */
export function silentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}
