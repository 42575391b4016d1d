/**
 * Models served by the emulated Ollama origin that it does not have yet, so the first request pulls
 * them on demand: `dev-ollama-pull` and `dev-ollama-pull-burst` (distinct models, so a test of
 * concurrent first requests still finds one missing), and `dev-ollama-pull-missing`, whose pull fails
 * after its 200 as an unknown model's manifest does.
 */
const MODELS = {
  'dev-ollama-pull': 'qwen2.5:0.5b',
  'dev-ollama-pull-burst': 'smollm2:135m',
  'dev-ollama-pull-missing': 'does-not-exist:latest',
};

const quote = (value) => `'${String(value).replaceAll("'", "''")}'`;

export function seedSql({ origins }) {
  if (!origins.some((o) => o.engine === 'ollama')) return '';
  const now = Math.floor(Date.now() / 1000);
  return Object.entries(MODELS)
    .map(([id, engineModel]) => {
      const routes = JSON.stringify([{ pool: 'ollama', engineModel }]);
      return (
        `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, source, created_at) VALUES (${quote(id)}, '[]', 'eco-dev', ${quote(routes)}, '["chat","completion"]', 8192, 'emulated ollama (pulled on demand)', ${now}) ` +
        'ON CONFLICT(id) DO UPDATE SET routes = excluded.routes;\n'
      );
    })
    .join('');
}
