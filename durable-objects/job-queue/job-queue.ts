import { DurableObject } from 'cloudflare:workers';

export class JobQueue extends DurableObject {}
