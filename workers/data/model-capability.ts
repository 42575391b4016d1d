/**
 * Whether a model with these registry capabilities serves `capability`: it lists it, or it lists
 * none and chat is asked for (a model registered without capabilities chats).
 */
export function servesCapability(capabilities: readonly string[], capability: string): boolean {
  return capabilities.includes(capability) || (capability === 'chat' && capabilities.length === 0);
}
