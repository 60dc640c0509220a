import { parseArgs, type ParseArgsConfig } from "node:util";
import { type CommandSpec, commandHelp, ENVIRONMENT, GLOBAL_OPTIONS, PROGRAM, usageLine, type Values } from "./command.js";
import { connectionList, connectionReencrypt, connectionSet, connectionTest } from "./commands/connection.js";
import { customerInvite, customerList, customerRevokeToken, customerToken, customerTokens } from "./commands/customer.js";
import { jobRuns } from "./commands/job.js";
import { syncRun, syncStatus } from "./commands/sync.js";
import { tenantList, tenantUpsert } from "./commands/tenant.js";
import { tokenStatus } from "./commands/token.js";
import { CommandFailed, ConfigError, createContext, type Env, type Io, UsageError } from "./context.js";
import { describeServerError } from "./errors.js";
import { table } from "./format.js";

export const commands: CommandSpec[] = [
  tenantUpsert, tenantList, connectionList, connectionSet, connectionTest, connectionReencrypt, syncRun, syncStatus, jobRuns, customerList, customerToken, customerTokens,
  customerRevokeToken, customerInvite, tokenStatus,
];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function generalHelp(): string {
  return [
    `usage: ${PROGRAM} <command> [options]`,
    "",
    "Operator commands for a running erpbridge API (through its typed client, with ADMIN_TOKEN).",
    "",
    "commands:",
    table(["", ""], commands.map((c) => [`  ${c.name}`, c.summary])).split("\n").slice(1).join("\n"),
    "",
    `run \`${PROGRAM} <command> --help\` for a command's options.`,
    "",
    "environment:",
    ...ENVIRONMENT,
    "",
    "exit codes: 0 ok, 1 the server refused or failed (or a sync run failed), 2 bad arguments or configuration",
  ].join("\n");
}

/** node:util parseArgs errors → one line naming the argument. */
function parseError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return option ? `${option} needs a value` : message;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`;
    default:
      return message.split(". ")[0] ?? message;
  }
}

const usageFooter = (command?: CommandSpec) =>
  command ? [usageLine(command), `run \`${PROGRAM} ${command.name} --help\` for details`] : [`usage: ${PROGRAM} <command> [options]`, `run \`${PROGRAM} --help\` for the commands`];

/** Runs one CLI invocation; returns the exit code. Never prints ADMIN_TOKEN. */
export async function main(argv: string[], options: { env: Env; cwd: string; io: Io }): Promise<number> {
  const { io } = options;
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];

  // The command is the first word that is not an option (or the value of a leading --url).
  const commandIndex = args.findIndex((arg, i) => !arg.startsWith("-") && args[i - 1] !== "--url");
  const name = commandIndex >= 0 ? args[commandIndex] : undefined;
  if (name === undefined || name === "help") {
    const topic = name === "help" ? args[commandIndex + 1] : undefined;
    const command = topic ? commands.find((c) => c.name === topic) : undefined;
    if (name === "help" || args.includes("--help") || args.includes("-h")) {
      if (topic && !command) {
        io.err(`error: unknown command "${topic}"`);
        for (const line of usageFooter()) io.err(line);
        return EXIT.usage;
      }
      io.out(command ? commandHelp(command) : generalHelp());
      return EXIT.ok;
    }
    io.err("error: missing command");
    io.err("");
    io.err(generalHelp());
    return EXIT.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const close = commands.filter((c) => c.name.startsWith(name.split(":")[0] ?? name)).map((c) => c.name);
    io.err(`error: unknown command "${name}"${close.length ? ` (did you mean ${close.join(", ")}?)` : ""}`);
    for (const line of usageFooter()) io.err(line);
    return EXIT.usage;
  }
  args.splice(commandIndex, 1);

  let values: Values;
  try {
    const config: ParseArgsConfig = {
      args,
      options: Object.fromEntries(
        Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([key, spec]) => [key, { type: spec.type, ...(spec.short ? { short: spec.short } : {}) }]),
      ),
      strict: true,
      allowPositionals: false,
    };
    values = parseArgs(config).values as Values;
  } catch (error) {
    io.err(`error: ${parseError(error)}`);
    for (const line of usageFooter(command)) io.err(line);
    return EXIT.usage;
  }
  if (values.help) {
    io.out(commandHelp(command));
    return EXIT.ok;
  }

  let url = "(unknown)";
  try {
    for (const [key, spec] of Object.entries(command.options)) {
      if (spec.required && (values[key] === undefined || values[key] === "")) {
        throw new UsageError(`missing --${key}${spec.value ? ` ${spec.value}` : ""}`);
      }
    }
    const ctx = createContext({ io, env: options.env, cwd: options.cwd, urlFlag: typeof values.url === "string" ? values.url : undefined });
    url = ctx.url;
    await command.run(ctx, values);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      for (const line of usageFooter(command)) io.err(line);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`error: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof CommandFailed) return EXIT.failed;
    for (const line of describeServerError(error, url)) io.err(line);
    return EXIT.failed;
  }
}
