import { groupAlive, runInGroup, start, stopGroup } from './procs.mjs';

/** Thrown by a supervisor that is stopping: nothing new starts once a stop has begun. */
export class StoppingError extends Error {
  constructor() {
    super('stopping');
  }
}

/** How a child ended, in words: `exit code 1`, `signal SIGKILL`. */
export function describeExit(code, signal) {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/**
 * Owns every process a command starts: long-running services and the startup steps before them,
 * each in a process group of its own. A service that exits while the stack runs stops the rest;
 * a stop (signal, failure, service exit) reaches everything started so far, steps included, and
 * refuses to start anything after it. The process exits once every group is gone.
 */
export class Supervisor {
  #groups = new Set();
  #log;
  #exit;
  #graceMs;
  stopping = false;

  constructor({ log, exit = (code) => process.exit(code), graceMs = 3000 }) {
    this.#log = log;
    this.#exit = exit;
    this.#graceMs = graceMs;
  }

  /**
   * Stop everything on SIGINT/SIGTERM, also while starting up, and on SIGHUP: a closed terminal signals
   * only this process's group, and the children, in groups of their own, would keep their ports.
   */
  handleSignals() {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(signal, () => {
        if (!this.stopping) this.#log(`${signal}: stopping`);
        this.stop(0);
      });
    }
  }

  /**
   * Stop everything, as on SIGTERM, once `input` ends. A parent that pipes it ends it by exiting, however
   * it exits: killed outright, it could signal nobody, and the children's groups would outlive it.
   */
  stopOnInputEnd(input = process.stdin) {
    const stop = () => {
      if (!this.stopping) this.#log('standard input ended: stopping');
      this.stop(0);
    };
    input.once('end', stop);
    input.once('error', stop);
    // What arrives is not read: only its end matters.
    input.resume();
  }

  /** A long-running child; its exit while the stack is not stopping stops the stack with code 1. */
  service(name, cmd, args, options) {
    if (this.stopping) throw new StoppingError();
    const child = start(cmd, args, options);
    this.#groups.add(child);
    child.once('exit', (code, signal) => {
      if (this.stopping || child.retired) return;
      this.#log(`${name} exited unexpectedly (${describeExit(code, signal)}); stopping everything`);
      this.stop(1);
    });
    return child;
  }

  /** Stop one service on purpose (to start it again): its exit stops nothing else. */
  async retire(child) {
    child.retired = true;
    const exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', resolve);
    });
    stopGroup(child);
    await exited;
    this.#groups.delete(child);
  }

  /** A startup step run to completion; a stop meanwhile stops it too. */
  async step(cmd, args, options = {}) {
    if (this.stopping) throw new StoppingError();
    try {
      // A finished step's group is kept only while something of it may still run.
      return await runInGroup(this.#groups, cmd, args, options);
    } catch (err) {
      throw this.stopping ? new StoppingError() : err;
    }
  }

  /** Stop every group (SIGTERM, then SIGKILL after the grace period) and exit with `code`. */
  stop(code) {
    if (this.stopping) return;
    this.stopping = true;
    const groups = [...this.#groups];
    for (const child of groups) stopGroup(child);
    const deadline = Date.now() + this.#graceMs;
    const poll = setInterval(() => {
      const left = groups.filter(groupAlive);
      if (left.length > 0 && Date.now() < deadline) return;
      for (const child of left) stopGroup(child, 'SIGKILL');
      clearInterval(poll);
      this.#exit(code);
    }, 50);
  }
}
