import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU and memory of a process group, from /proc (Linux). */
function conf(name, fallback) {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
}
const TICKS = conf('CLK_TCK', 100);
const PAGE = conf('PAGESIZE', 4096);

export function groupStats(pgid) {
  let cpuMs = 0;
  let rssBytes = 0;
  const members = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    if (Number(fields[2]) !== pgid || fields[0] === 'Z') continue;
    const cpu = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
    const rss = Number(fields[21]) * PAGE;
    cpuMs += cpu;
    rssBytes += rss;
    members.push({ pid: Number(name), comm, cpuMs: cpu, rssBytes: rss });
  }
  return { cpuMs, rssBytes, members };
}

/** CPU of this process (the load generator), in ms. */
export function selfCpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
