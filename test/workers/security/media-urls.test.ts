import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../schemas/openai/messages.ts';
import { mediaUrlIssue, refuseNonPublicMediaUrls } from '../../../workers/pipeline/media-urls.ts';

// Engines download http(s) image URLs themselves, from the GPU network: only public hosts may be named.

describe('image URLs an engine may fetch', () => {
  it.each([
    'data:image/png;base64,iVBORw0KGgo=',
    'DATA:image/jpeg;base64,/9j/4AAQ',
    'https://upload.example.com/cat.png',
    'http://images.example.org:8080/a/b.jpg?size=large#x',
    'https://93.184.215.14/pic.png',
    'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/pic.png',
    'https://[64:ff9b::5db8:d70e]/pic.png',
  ])('accepts %s', (url) => {
    expect(mediaUrlIssue(url)).toBeUndefined();
  });

  it.each([
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['metadata, as a number', 'http://2852039166/'],
    ['metadata, in octal', 'http://0251.0376.0251.0376/'],
    ['a private network', 'http://10.0.0.7:8000/v1/models'],
    ['a private network, 172.16/12', 'https://172.20.1.1/'],
    ['a private network, 192.168/16', 'https://192.168.1.1/'],
    ['loopback', 'http://127.0.0.1:8000/'],
    ['loopback, short form', 'http://127.1/'],
    ['localhost', 'http://localhost:11434/api/tags'],
    ['a localhost subdomain', 'http://admin.localhost/'],
    ['localhost with a trailing dot', 'http://localhost./'],
    ['the unspecified address', 'http://0.0.0.0:8000/'],
    ['IPv6 loopback', 'http://[::1]:8000/'],
    ['IPv4-mapped IPv6 metadata', 'http://[::ffff:169.254.169.254]/'],
    ['NAT64 of the unspecified address, compressed to one group', 'http://[64:ff9b::]/'],
    ['NAT64 of 0.0.0.1, compressed', 'http://[64:ff9b::1]/'],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]/'],
    ['IPv6 unique local', 'http://[fd00::1]/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['an .internal name', 'http://metadata.google.internal/computeMetadata/v1/'],
    ['a .local name', 'http://printer.local/'],
    ['a single-label name', 'http://gpu-node-3:8000/'],
    ['credentials', 'https://user:pass@example.com/a.png'],
    ['a host hidden behind a backslash', 'http://example.com\\@169.254.169.254/'],
    ['a tab inside', 'http://169.254.169.\t254/'],
    ['leading space', ' http://169.254.169.254/'],
    ['a file URL', 'file:///etc/passwd'],
    ['another scheme', 'ftp://example.com/a.png'],
    ['a relative URL', '/images/a.png'],
  ])('refuses %s', (_, url) => {
    expect(mediaUrlIssue(url)).toEqual(expect.any(String));
  });

  it('refuses with 400 invalid_request naming the part', () => {
    const messages = [
      { role: 'system', content: 'look' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 'http://169.254.169.254/latest/' } },
        ],
      },
    ] as ChatMessage[];
    let error: unknown;
    try {
      refuseNonPublicMediaUrls(messages);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      param: 'messages.1.content.2.image_url.url',
    });
    expect((error as Error).message).not.toContain('169.254');
  });

  it('lets text, data: images and public images through', () => {
    const messages = [
      { role: 'user', content: 'plain' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 'https://cdn.example.com/x.webp', detail: 'low' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [] },
    ] as unknown as ChatMessage[];
    expect(() => refuseNonPublicMediaUrls(messages)).not.toThrow();
  });
});
