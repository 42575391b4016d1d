export { trtllmServeAdapter } from './serve.ts';
export { tritonAdapter } from './triton.ts';
