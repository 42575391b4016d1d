#!/usr/bin/env node
/**
 * Relay cost per stream event for OpenAI-framed engines (vLLM): SSE framing + light scan + model
 * rewrite + re-encoding, on a synthetic 1,000-event stream fed in network-sized chunks.
 */
import { openAiStreamDecoder } from '../../origins/openai-compatible/stream.ts';
import { ChunkEncoder } from '../../workers/dispatch/chunk-encoder.ts';

const EVENTS = 1000;

function syntheticStream() {
  const head =
    '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1753616032,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":';
  let text = `data: ${head}{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  for (let i = 0; i < EVENTS; i++) {
    text += `data: ${head}{"content":" token${i}"},"logprobs":null,"finish_reason":null}]}\n\n`;
  }
  text += `data: ${head}{},"logprobs":null,"finish_reason":"stop"}]}\n\n`;
  text +=
    'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1000,"total_tokens":1005}}\n\n';
  text += 'data: [DONE]\n\n';
  const bytes = new TextEncoder().encode(text);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 1400) chunks.push(bytes.subarray(i, i + 1400));
  return chunks;
}

function relayOnce(chunks) {
  const decoder = openAiStreamDecoder({ engine: 'vLLM', terminator: true });
  const encoder = new ChunkEncoder({
    id: 'x',
    model: 'client-model',
    created: 1,
    includeUsage: true,
    promptEstimate: 5,
  });
  const out = new TextEncoder();
  let bytes = 0;
  for (const chunk of chunks) {
    let text = '';
    for (const event of decoder.push(chunk)) text += encoder.encode(event);
    bytes += out.encode(text).length;
  }
  for (const event of decoder.end()) encoder.encode(event);
  return bytes;
}

export async function benchDecoders({ log = console.log, budgetMs = 1500 } = {}) {
  const chunks = syntheticStream();
  for (let i = 0; i < 50; i++) relayOnce(chunks);
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs && runs < 100_000) {
    relayOnce(chunks);
    runs++;
  }
  const usPerEvent = ((performance.now() - start) * 1000) / (runs * (EVENTS + 3));
  log('| engine framing | µs per event (decode + relay) | target |');
  log('|---|---:|---:|');
  log(`| vLLM / OpenAI SSE (light scan, passthrough) | ${usPerEvent.toFixed(2)} | ≤ 10 |`);
  return { vllm: usPerEvent };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDecoders();
