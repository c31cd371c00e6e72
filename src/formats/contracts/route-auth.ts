/**
 * Authentication a framework states for a route away from its declaration, read at head: Spring Security's
 * filter-chain path rules in the service's security configuration, and Django REST framework permission classes
 * (the view's own, else the project default in settings). Files are found by the names projects give them (a
 * `SecurityConfig.java` in the same service, `views.py`/`viewsets.py`/`api.py` next to `urls.py`, `settings.py`),
 * a bounded number each, read once per review.
 */
import type { ReviewView } from "../../engine/types.js";
import { basename, dirname, pathIndex } from "../common/paths.js";
import { codeSource, isIgnoredForCodeContracts } from "../source/code-model.js";
import type { CodeRoute, RouteAuth } from "../source/routes.js";
import {
  drfDefaultPermissions,
  drfViewPermissions,
  mayConfigureSpringSecurity,
  ruleAuth,
  springSecurityRules,
  type PathRule,
} from "../source/security-config.js";

const SPRING_SECURITY_FILE = /(Secur\w*|\w*WebConfig\w*|\w*AuthConfig\w*)\.(java|kt)$/;
const DRF_VIEW_FILE = /^(views?|viewsets|api|endpoints|resources)\.py$/;
const MAX_FILES = 12;

interface Resolver {
  springRules(routeFile: string): Promise<PathRule[]>;
  drfViews(urlsFile: string): Promise<Map<string, RouteAuth>>;
  drfDefault(): Promise<RouteAuth>;
}

function resolver(ctx: ReviewView): Resolver {
  return ctx.memo("contracts:route-auth", (review): Resolver => {
    const spring = new Map<string, Promise<PathRule[]>>();
    const views = new Map<string, Promise<Map<string, RouteAuth>>>();
    let drfDefault: Promise<RouteAuth> | undefined;
    const read = async (path: string) => {
      const text = await review.text("head", path);
      return text === undefined ? undefined : codeSource(path, text);
    };
    return {
      springRules(routeFile) {
        // The service: the directory above src/main, else the route file's top directory.
        const main = routeFile.indexOf("/src/main/");
        const root = main >= 0 ? routeFile.slice(0, main) : routeFile.startsWith("src/main/") ? "" : routeFile.split("/")[0]!;
        let found = spring.get(root);
        if (!found) {
          found = (async () => {
            const index = pathIndex(await review.paths("head"));
            const prefix = root === "" ? "" : `${root}/`;
            const candidates = [...index.files]
              .filter((p) => p.startsWith(prefix) && SPRING_SECURITY_FILE.test(basename(p)) && !isIgnoredForCodeContracts(p))
              .slice(0, MAX_FILES);
            const rules: PathRule[] = [];
            for (const path of candidates) {
              const src = await read(path);
              if (src && mayConfigureSpringSecurity(src.text)) rules.push(...springSecurityRules(src));
            }
            return rules;
          })();
          spring.set(root, found);
        }
        return found;
      },
      drfViews(urlsFile) {
        const dir = dirname(urlsFile);
        let found = views.get(dir);
        if (!found) {
          found = (async () => {
            const index = pathIndex(await review.paths("head"));
            const out = new Map<string, RouteAuth>();
            const dirs = [dir, dirname(dir)];
            const candidates = dirs
              .flatMap((d) => [
                ...index.filesIn(d).filter((p) => DRF_VIEW_FILE.test(basename(p))),
                ...index.filesIn(d === "" ? "views" : `${d}/views`).filter((p) => p.endsWith(".py")),
              ])
              .slice(0, MAX_FILES);
            for (const path of candidates) {
              const src = await read(path);
              if (src) for (const [name, auth] of drfViewPermissions(src)) if (!out.has(name)) out.set(name, auth);
            }
            return out;
          })();
          views.set(dir, found);
        }
        return found;
      },
      drfDefault() {
        drfDefault ??= (async () => {
          const index = pathIndex(await review.paths("head"));
          const candidates = [...index.files]
            .filter((p) => /(^|\/)settings\.py$|(^|\/)settings\/\w+\.py$/.test(p) && !isIgnoredForCodeContracts(p))
            .slice(0, MAX_FILES);
          for (const path of candidates) {
            const src = await read(path);
            const value = src ? drfDefaultPermissions(src) : "unset";
            // AllowAny as the project default is DRF's own default: it states nothing about a route.
            if (value !== "unset") return value === "public" ? undefined : value;
          }
          return undefined;
        })();
        return drfDefault;
      },
    };
  });
}

/**
 * The routes with the authentication their framework states elsewhere filled in where the declaration states
 * none: a Spring/JAX-RS route by the service's filter-chain rules, a DRF route by its view's permission classes
 * or the project default (AllowAny, DRF's own default, states nothing).
 */
export async function withStatedAuth(ctx: ReviewView, file: string, routes: CodeRoute[]): Promise<CodeRoute[]> {
  if (!routes.some((r) => r.auth === undefined && (r.framework === "spring" || r.framework === "jax-rs" || r.framework === "django"))) return routes;
  const r = resolver(ctx);
  const out: CodeRoute[] = [];
  for (const route of routes) {
    if (route.auth !== undefined) {
      out.push(route);
      continue;
    }
    if (route.framework === "spring" || route.framework === "jax-rs") {
      const rules = await r.springRules(file);
      out.push({ ...route, auth: ruleAuth(rules, route.method, route.path) });
      continue;
    }
    if (route.framework === "django" && route.view) {
      const stated = (await r.drfViews(file)).get(route.view);
      out.push({ ...route, auth: stated ?? (await r.drfDefault()) });
      continue;
    }
    out.push(route);
  }
  return out;
}
