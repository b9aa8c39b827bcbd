"""What a pipeline job does, told by keywords in its name, steps and commands: one table for every reader."""

from __future__ import annotations

import re

# stage -> pattern over a job's names, commands and actions (case-insensitive); one table, no scattered ifs
STAGE_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "build": r"\bbuild\b|\bcompile\b|\bmvn\b[^\n]*\b(package|install|verify)\b|gradlew?\b[^\n]*\b(build|assemble)\b"
        r"|\b(npm|yarn|pnpm)\s+(run\s+)?build\b|python\s+-m\s+build|docker\s+build|\bgo\s+build\b|cargo\s+build"
        r"|dotnet\s+build|msbuild|\bpip\s+install\s+(-e\s+)?\.|\bmake\b",
        "unit_test": r"\bpytest\b|\bunittest\b|\btox\b|\bnox\b|\bjest\b|\bvitest\b|\bmocha\b|\bkarma\b|\bgo\s+test\b"
        r"|cargo\s+test|\bmvn\b[^\n]*\b(test|verify)\b|gradlew?\b[^\n]*\btest\b|\b(npm|yarn|pnpm)\s+(run\s+)?test\b"
        r"|dotnet\s+test|phpunit|\brspec\b|\bctest\b|unit[-_ ]?tests?\b",
        "integration_test": r"integration[-_ ]?tests?|\bfailsafe\b|api[-_ ]?tests?|\bnewman\b|\bkarate\b"
        r"|contract[-_ ]?tests?|\bpact\b",
        "ui_test": r"cypress|playwright|selenium|appium|webdriver|puppeteer|testcafe|\be2e\b|end[-_ ]to[-_ ]end"
        r"|\bui[-_ ]?tests?\b|\bdetox\b|\bespresso\b|xcuitest",
        "performance_test": r"\bjmeter\b|\blocust\b|\bk6\b|\bgatling\b|performance[-_ ]?tests?|load[-_ ]?tests?"
        r"|\bartillery\b",
        "static_analysis": r"\bruff\b|flake8|pylint|\bmypy\b|pyright|eslint|tslint|stylelint|checkstyle|spotbugs"
        r"|findbugs|\bpmd\b|sonar|golangci|go\s+vet|staticcheck|clippy|rubocop|phpstan|psalm|ktlint|detekt"
        r"|shellcheck|hadolint|\blint\b|codeclimate|import-linter|lint-imports",
        "security_scan": r"codeql|semgrep|bandit|gitleaks|trufflehog|detect-secrets|\btrivy\b|\bgrype\b|\bsnyk\b"
        r"|dependency-check|pip-audit|safety\s+check|(npm|yarn|pnpm)\s+audit|osv-scanner|checkov|tfsec|\bkics\b"
        r"|\bzap\b|\bdast\b|\bsast\b|anchore|govulncheck|cargo\s+audit|brakeman|dependency-review|fortify"
        r"|veracode|blackduck|security[-_ ]?scan",
        "deploy": r"\bdeploy|kubectl\s+(apply|rollout|set\s+image)|helm\s+(upgrade|install)|terraform\s+apply"
        r"|ansible-playbook|\bcf\s+push\b|gcloud\s+\S+\s+deploy|aws\s+(ecs|lambda|s3\s+sync)|az\s+webapp"
        r"|\bargocd\b|skaffold\s+run|pulumi\s+up|\bfly\s+deploy\b",
        "db_migration": r"\bflyway\b|liquibase|alembic\s+upgrade|manage\.py\s+migrate|db:migrate|prisma\s+migrate"
        r"|knex\s+migrate|\bmigrate\s+(up|-path)",
    }.items()
}
