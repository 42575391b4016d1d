export { miiOpenAiAdapter } from './openai.ts';
export { miiRestAdapter } from './rest.ts';
