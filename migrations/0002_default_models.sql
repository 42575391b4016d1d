-- The six default models of the registry. Each maps to an ordered chain of engine pools by name;
-- a pool that does not exist in an environment is skipped at routing time.
INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, source, created_at) VALUES
('llama-3.1-8b-instruct', '["default"]', 'meta-llama',
 '[{"pool":"vllm","engineModel":"meta-llama/Llama-3.1-8B-Instruct"},{"pool":"sglang","engineModel":"meta-llama/Llama-3.1-8B-Instruct"},{"pool":"tgi","engineModel":"meta-llama/Llama-3.1-8B-Instruct"},{"pool":"ollama","engineModel":"llama3.1:8b"}]',
 '["chat","completion","code_generation"]', 131072, 'meta-llama/Llama-3.1-8B-Instruct', 1735689600),
('llama-3.1-70b-instruct', '[]', 'meta-llama',
 '[{"pool":"vllm","engineModel":"meta-llama/Llama-3.1-70B-Instruct"},{"pool":"sglang","engineModel":"meta-llama/Llama-3.1-70B-Instruct"},{"pool":"tgi","engineModel":"meta-llama/Llama-3.1-70B-Instruct"}]',
 '["chat","completion","code_generation","reasoning"]', 131072, 'meta-llama/Llama-3.1-70B-Instruct', 1735689600),
('qwen2.5-72b-instruct', '[]', 'Qwen',
 '[{"pool":"vllm","engineModel":"Qwen/Qwen2.5-72B-Instruct"},{"pool":"sglang","engineModel":"Qwen/Qwen2.5-72B-Instruct"},{"pool":"tgi","engineModel":"Qwen/Qwen2.5-72B-Instruct"}]',
 '["chat","completion","code_generation","function_calling"]', 131072, 'Qwen/Qwen2.5-72B-Instruct', 1735689600),
('qwen2.5-coder-32b-instruct', '[]', 'Qwen',
 '[{"pool":"vllm","engineModel":"Qwen/Qwen2.5-Coder-32B-Instruct"},{"pool":"sglang","engineModel":"Qwen/Qwen2.5-Coder-32B-Instruct"}]',
 '["chat","code_generation"]', 131072, 'Qwen/Qwen2.5-Coder-32B-Instruct', 1735689600),
('deepseek-r1-distill-qwen-32b', '[]', 'deepseek-ai',
 '[{"pool":"vllm","engineModel":"deepseek-ai/DeepSeek-R1-Distill-Qwen-32B"},{"pool":"sglang","engineModel":"deepseek-ai/DeepSeek-R1-Distill-Qwen-32B"}]',
 '["chat","reasoning","code_generation"]', 131072, 'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B', 1735689600),
('mistral-7b-instruct-v0.3', '[]', 'mistralai',
 '[{"pool":"vllm","engineModel":"mistralai/Mistral-7B-Instruct-v0.3"},{"pool":"sglang","engineModel":"mistralai/Mistral-7B-Instruct-v0.3"},{"pool":"tgi","engineModel":"mistralai/Mistral-7B-Instruct-v0.3"},{"pool":"ollama","engineModel":"mistral:7b-instruct-v0.3"}]',
 '["chat","completion"]', 32768, 'mistralai/Mistral-7B-Instruct-v0.3', 1735689600);
