import type { Command } from 'commander';

/** Runs a command's handler and keeps its exit code (buildProgram's state). */
export type Run = (handler: Promise<number>) => Promise<void>;

/** A command (or group) of the CLI: declares its options and help, lazily imports its handler. */
export type Register = (program: Command, run: Run) => void;
