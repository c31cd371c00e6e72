import { describe, expect, it } from "vitest";
import { codeSource } from "../../src/formats/source/code-model.js";
import { drfDefaultPermissions, drfViewPermissions, ruleAuth, springSecurityRules } from "../../src/formats/source/security-config.js";

const src = (path: string, text: string) => codeSource(path, text)!;

describe("Spring Security filter-chain rules", () => {
  const rules = springSecurityRules(
    src(
      "svc/src/main/java/a/SecurityConfig.java",
      [
        "class SecurityConfig {", // 1
        '  static final String PUBLIC = "/api/public/**";', // 2
        "  SecurityFilterChain chain(HttpSecurity http) throws Exception {", // 3
        "    return http.authorizeHttpRequests(a -> a", // 4
        '      .requestMatchers(PUBLIC, "/actuator/health").permitAll()', // 5
        '      .requestMatchers(HttpMethod.GET, "/api/catalog/*").permitAll()', // 6
        '      .requestMatchers(adminMatcher).hasRole("ADMIN")', // 7
        '      .requestMatchers("/api/**").authenticated()', // 8
        "      .anyRequest().permitAll()).build();", // 9
        "  }", // 10
        "}", // 11
      ].join("\n"),
    ),
  );

  it("reads matchers in order with their decision, skipping matchers it cannot spell out", () => {
    expect(rules).toEqual([
      { method: undefined, patterns: ["/api/public/**", "/actuator/health"], auth: "public", line: 5 },
      { method: "GET", patterns: ["/api/catalog/*"], auth: "public", line: 6 },
      { method: undefined, patterns: ["/api/**"], auth: "required", line: 8 },
      { auth: "public", line: 9 },
    ]);
  });

  it("decides by the first matching rule; a catch-all permitAll states nothing about one route", () => {
    expect(ruleAuth(rules, "GET", "/api/public/docs")).toBe("public");
    expect(ruleAuth(rules, "GET", "/api/catalog/{id}")).toBe("public");
    expect(ruleAuth(rules, "POST", "/api/catalog/{id}")).toBe("required");
    expect(ruleAuth(rules, "POST", "/api")).toBe("required");
    expect(ruleAuth(rules, "POST", "/internal/refunds")).toBeUndefined();
  });

  it("reads the Kotlin DSL", () => {
    const kt = springSecurityRules(
      src(
        "svc/src/main/kotlin/a/SecurityConfig.kt",
        'fun chain(http: HttpSecurity): SecurityFilterChain {\n  http { authorizeHttpRequests {\n    authorize("/api/**", authenticated)\n    authorize(anyRequest, permitAll)\n  } }\n  return http.build()\n}',
      ),
    );
    expect(kt).toEqual([
      { method: undefined, patterns: ["/api/**"], auth: "required", line: 3 },
      { auth: "public", line: 4 },
    ]);
  });
});

describe("Django REST framework permissions", () => {
  it("reads permission_classes of views and @permission_classes function views", () => {
    const views = drfViewPermissions(
      src(
        "billing/views.py",
        [
          "class OrderViewSet(viewsets.ModelViewSet):",
          "    permission_classes = (permissions.IsAuthenticated, IsOwner)",
          "",
          "class StatusView(APIView):",
          "    permission_classes = [AllowAny]",
          "",
          "class OpenView(APIView):",
          "    permission_classes = []",
          "",
          "@api_view(['POST'])",
          "@permission_classes([IsAdminUser])",
          "def purge(request):",
          "    pass",
        ].join("\n"),
      ),
    );
    expect([...views]).toEqual([
      ["OrderViewSet", "required"],
      ["StatusView", "public"],
      ["OpenView", "public"],
      ["purge", "required"],
    ]);
  });

  it("reads the project default from settings", () => {
    expect(
      drfDefaultPermissions(
        src(
          "shop/settings.py",
          'REST_FRAMEWORK = {\n    "DEFAULT_PERMISSION_CLASSES": [\n        "rest_framework.permissions.IsAuthenticated",\n    ],\n}\n',
        ),
      ),
    ).toBe("required");
    expect(
      drfDefaultPermissions(src("shop/settings.py", "REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ('rest_framework.permissions.AllowAny',)}\n")),
    ).toBe("public");
    expect(drfDefaultPermissions(src("shop/settings.py", "REST_FRAMEWORK = {'PAGE_SIZE': 50}\n"))).toBe("unset");
  });
});
