import { EcoError } from '../../schemas/errors.ts';
import type { ChatMessage } from '../../schemas/openai/messages.ts';
import { hostOf, isLoopbackHost, nonPublicHost } from '../http/public-host.ts';

/**
 * Engines download `http(s)` image URLs themselves (vLLM, SGLang, LMDeploy, TGI), from inside the GPU
 * network: a URL naming an internal address would have them fetch it for the caller, and their error
 * text would tell what answered. Such URLs are refused before dispatch; `data:` URLs are always fine.
 * A public name that resolves to a private address cannot be seen here (see docs/security.md).
 */
export function mediaUrlIssue(raw: string): string | undefined {
  if (/^data:/i.test(raw)) return undefined;
  // Characters parsers disagree on (a backslash ends the host for the URL standard, not for Python's
  // urllib): refused, so the host checked here is the host the engine connects to.
  if (/[\u0000-\u0020\u007f\\]/.test(raw)) return 'contains spaces, control characters or backslashes';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is neither a data: URL nor an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be a data: URL or an http(s) URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  const host = hostOf(url);
  if (isLoopbackHost(host)) return 'targets loopback';
  return nonPublicHost(host);
}

/** 400 `invalid_request` naming the first image URL of the conversation that may not be fetched. */
export function refuseNonPublicMediaUrls(messages: readonly ChatMessage[]): void {
  messages.forEach((message, i) => {
    if (!Array.isArray(message.content)) return;
    message.content.forEach((part, j) => {
      if (part.type !== 'image_url') return;
      const issue = mediaUrlIssue(part.image_url.url);
      if (issue === undefined) return;
      const param = `messages.${i}.content.${j}.image_url.url`;
      throw new EcoError(
        400,
        'invalid_request',
        `The image URL at '${param}' ${issue}; send the image as a data: URL or from a public http(s) host.`,
        { param },
      );
    });
  });
}
