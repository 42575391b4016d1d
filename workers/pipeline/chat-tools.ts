import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletionInput, ChatCompletionRequest, FunctionTool } from '../../schemas/openai/chat.ts';

type ServedTools = Pick<ChatCompletionRequest, 'tools' | 'tool_choice'>;

/**
 * `tools` and `tool_choice` as every engine takes them. Custom tools are refused (no engine here takes
 * free-form tool input); an `allowed_tools` choice becomes the allowed functions alone with its mode as
 * the choice, which is what it means and what engines without such a choice can serve.
 */
export function servedTools(body: Pick<ChatCompletionInput, 'tools' | 'tool_choice'>): ServedTools {
  const tools = functionTools(body.tools);
  const choice = body.tool_choice;
  if (choice === undefined || typeof choice === 'string' || choice.type === 'function') {
    return { tools, tool_choice: choice };
  }
  if (choice.type === 'custom') throw customTool('tool_choice');
  const allowed = new Set<string>();
  choice.allowed_tools.tools.forEach((entry, i) => {
    const at = `tool_choice.allowed_tools.tools.${i}`;
    if (entry.type === 'custom') throw customTool(at);
    const name = entry.function.name;
    if (!tools?.some((tool) => tool.function.name === name)) {
      const param = `${at}.function.name`;
      throw new EcoError(
        400,
        'invalid_request',
        `'${param}' names '${name}', which is no function in 'tools'.`,
        {
          param,
        },
      );
    }
    allowed.add(name);
  });
  return {
    tools: tools?.filter((tool) => allowed.has(tool.function.name)),
    tool_choice: choice.allowed_tools.mode,
  };
}

function functionTools(tools: ChatCompletionInput['tools']): FunctionTool[] | undefined {
  if (tools === undefined) return undefined;
  const custom = tools.findIndex((tool) => tool.type === 'custom');
  if (custom >= 0) throw customTool(`tools.${custom}`);
  return tools as FunctionTool[];
}

function customTool(param: string): EcoError {
  return new EcoError(
    400,
    'unsupported_parameter',
    `'${param}' asks for a custom tool; the engines of this gateway take function tools only.`,
    { param },
  );
}
