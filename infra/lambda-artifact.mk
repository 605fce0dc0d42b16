# Copied by `make lambda` into each target/lambda/<function>/ next to its bootstrap: the
# makefile build method `sam build` uses for a provided.al2023 function. The bootstrap is
# already built (cargo-lambda, arm64), so building is copying it.
build-%:
	cp bootstrap $(ARTIFACTS_DIR)/bootstrap
