# Tug Coach — the two commands: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .local/venv
PY_STAMP  := $(VENV)/.installed
SAM_VENV  := .local/sam-venv
SAM_STAMP := $(SAM_VENV)/.installed
NPM_STAMP := infra/node_modules/.installed
LOCAL     := ./target/debug/coach-local

.PHONY: help tools deps build run test lint fmt token bench bench-run lambda lambda-smoke deploy simulate clean

POPULATION ?= ../shared/population-example.json
SIM_OUT    ?= target/simulation

help:
	@echo "make run    start DynamoDB Local + moto + the local host, seed a demo user, print curl commands"
	@echo "make test   install what is missing, run every test against the local stack, lint the template"
	@echo "make token  print a dev token (SUB=user-id to choose the subject)"
	@echo "make bench  engine speed, API latency, cold starts, job throughput and request counts; ends with BENCH lines (figure, goal)"
	@echo "make lambda build the deployable bootstrap binaries with cargo-lambda (arm64)"
	@echo "make lambda-smoke  make lambda, then start each bootstrap under qemu and invoke it with its fixture"
	@echo "make deploy APNS_ARN=… FCM_ARN=… [ALERT_EMAIL=…] [STACK=…]  make lambda, sam build, sam deploy (samconfig.toml)"
	@echo "make simulate  run the coaching simulator on POPULATION (table, JSON and charts in SIM_OUT)"

# Clear messages for the runtimes the local stack needs.
tools:
	@command -v cargo   >/dev/null || { echo "Rust (cargo) is missing: install it with rustup (https://rustup.rs)"; exit 1; }
	@command -v java    >/dev/null || { echo "Java is missing: DynamoDB Local needs a JRE 17+ (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v node    >/dev/null || { echo "Node.js is missing: it installs DynamoDB Local (apt-get install nodejs npm)"; exit 1; }
	@command -v npm     >/dev/null || { echo "npm is missing: apt-get install npm"; exit 1; }
	@command -v python3 >/dev/null || { echo "Python 3 is missing: moto, the AWS CLI and cfn-lint need it (apt-get install python3 python3-venv)"; exit 1; }

$(PY_STAMP): infra/requirements.txt | tools
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	touch $@

$(SAM_STAMP): infra/requirements-sam.txt | tools
	python3 -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements-sam.txt
	touch $@

$(NPM_STAMP): infra/package.json infra/package-lock.json | tools
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(PY_STAMP) $(NPM_STAMP)

build: tools
	cargo build --workspace --bins

run: deps build
	$(LOCAL) run

test: deps $(SAM_STAMP)
	cargo build --workspace --all-targets
	$(VENV)/bin/cfn-lint template.yaml
	AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --template template.yaml
	infra/sam_build_check.sh $(SAM_VENV)/bin/sam
	mkdir -p target
	$(VENV)/bin/python infra/sam_translate.py template.yaml target/template.translated.json
	$(VENV)/bin/cfn-lint target/template.translated.json
	RUST_BACKTRACE=0 $(LOCAL) test -- cargo test --workspace --no-fail-fast
	RUST_BACKTRACE=0 $(LOCAL) test -- cargo test --workspace --test sim_parity -- --ignored
	$(LOCAL) test -- infra/schemathesis.sh
	$(MAKE) --no-print-directory lint

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

# Every figure of the scaling issue in one run, ending with one `BENCH <name> <value> <goal>`
# line per figure (also in target/bench.out).
bench: deps
	mkdir -p target
	set -o pipefail; $(MAKE) --no-print-directory bench-run 2>&1 | tee target/bench.out
	@echo; echo "== figures and goals (target/bench.out) =="; grep '^BENCH ' target/bench.out

RELEASE_LOCAL := COACH_BIN_DIR=$(CURDIR)/target/release ./target/release/coach-local

bench-run:
	cargo bench -p coaching --bench plan
	infra/bench/instructions.sh $$(ls -t target/release/deps/plan-* | grep -v '\.d$$' | head -n1)
	cargo build --release -p functions -p coach-local --bins
	$(RELEASE_LOCAL) test -- cargo bench -p coach-tests --bench api_latency
	$(RELEASE_LOCAL) test -- cargo bench -p coach-tests --bench cold_start
	cargo build --profile deploy -p functions --bin api-get-personalization --bin job-generate-segment
	cargo build --profile deploy -p coach-local --bin bench-hello
	COACH_BIN_DIR=$(CURDIR)/target/deploy COLD_START_ONLY=api-get-personalization,job-generate-segment \
	  COLD_START_LABEL=deploy_profile ./target/release/coach-local test -- cargo bench -p coach-tests --bench cold_start
	$(RELEASE_LOCAL) test -- cargo bench -p coach-tests --bench jobs_throughput
	cargo build --release -p coach-sim
	./target/release/coach-sim --population infra/sim/tests/fixtures/tiny.json --users 5000 --days 30 --seeds 1 | tail -n 1

# The yardstick: every policy on the population, 5 seeds, with intervals (see infra/sim).
simulate: tools
	cargo build --profile sim -p coach-sim
	mkdir -p $(SIM_OUT)
	./target/sim/coach-sim --population $(POPULATION) --seeds 5 \
	  --json $(SIM_OUT)/report.json --plots $(SIM_OUT)

token: build
	@$(LOCAL) token $(or $(SUB),demo-user)

# cargo-lambda (PyPI, zig included) cross-builds target/lambda/<function>/bootstrap, the
# CodeUri of each function in template.yaml; then `sam deploy --guided`.
lambda: $(PY_STAMP)
	rustup target add aarch64-unknown-linux-gnu
	$(VENV)/bin/pip install --quiet --disable-pip-version-check cargo-lambda==1.9.2
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" cargo lambda build --profile deploy --arm64 -p functions --bins
	for d in target/lambda/*/; do cp infra/lambda-artifact.mk "$$d/Makefile"; done

# Each arm64 bootstrap started under qemu-user by the local host and invoked with its fixture
# (needs `apt-get install qemu-user libc6-arm64-cross`; the times are qemu's, not arm64's).
lambda-smoke: lambda deps
	infra/lambda_smoke.sh

# The real sequence: the arm64 bootstraps (cargo-lambda), `sam build` (copies each into
# .aws-sam/build), then `sam deploy` with samconfig.toml (stack name there, or STACK=…).
# Needs AWS credentials; the SAM CLI is pinned in infra/requirements-sam.txt.
deploy: lambda $(SAM_STAMP)
	@test -n "$(APNS_ARN)" -a -n "$(FCM_ARN)" || { echo "usage: make deploy APNS_ARN=… FCM_ARN=… [ALERT_EMAIL=…] [STACK=…]"; exit 1; }
	AWS_DEFAULT_REGION=$${AWS_REGION:-$${AWS_DEFAULT_REGION:-us-east-1}} $(SAM_VENV)/bin/sam build
	$(SAM_VENV)/bin/sam deploy --config-file samconfig.toml $(if $(STACK),--stack-name $(STACK)) \
	  --parameter-overrides ApnsPlatformApplicationArn=$(APNS_ARN) FcmPlatformApplicationArn=$(FCM_ARN) AlertEmail=$(ALERT_EMAIL)

clean:
	rm -rf target .local infra/node_modules
