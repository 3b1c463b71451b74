import type { RequestContext } from './request-context.js';

/** A route handler; path parameters arrive decoded. */
export type RouteHandler = (
  ctx: RequestContext,
  params: Readonly<Record<string, string>>,
) => Promise<void> | void;

/** How a route treats the request before its handler runs. */
export interface RouteOptions {
  /** An OCS route of an app controller: subject to the CSRF/`OCS-APIRequest` check. */
  ocs?: boolean;
}

interface Route {
  methods: readonly string[];
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
  options: RouteOptions;
}

/** A matched route. */
export interface RouteMatch {
  handler: RouteHandler;
  params: Record<string, string>;
  options: RouteOptions;
}

/** A minimal method + path router with `:name` segments. */
export class Router {
  readonly #routes: Route[] = [];

  /** Adds a route; `path` segments starting with `:` capture one path segment. */
  add(
    methods: string | readonly string[],
    path: string,
    handler: RouteHandler,
    options: RouteOptions = {},
  ): void {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.#routes.push({
      methods: typeof methods === 'string' ? [methods] : methods,
      pattern: new RegExp(`^${source}/?$`),
      names,
      handler,
      options,
    });
  }

  /** The route for a request, `'method'` when only the method does not fit, or undefined. */
  match(method: string, path: string): RouteMatch | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (m === null) {
        continue;
      }
      pathMatched = true;
      if (!route.methods.includes(method)) {
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: route.handler, params, options: route.options };
    }
    return pathMatched ? 'method' : undefined;
  }
}
