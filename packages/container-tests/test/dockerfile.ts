/** One instruction of a Dockerfile: its keyword and the rest of its (continued) line. */
export interface DockerInstruction {
  keyword: string;
  args: string;
}

/** Enough of the Dockerfile grammar to check what the image runs: continuations joined, comments dropped. */
export function dockerInstructions(text: string): DockerInstruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The `ENV` values of the last stage (the runtime image), as a map. */
export function runtimeEnv(instructions: DockerInstruction[]): Record<string, string> {
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const env: Record<string, string> = {};
  for (const { keyword, args } of instructions.slice(lastFrom)) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const [name, value] = pair.split('=');
      if (name && value !== undefined) env[name] = value;
    }
  }
  return env;
}
