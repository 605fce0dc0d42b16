"""Translates template.yaml with AWS SAM's own translator (aws-sam-translator, pinned in
requirements.txt) into the CloudFormation template AWS would deploy, written to the path given,
so cfn-lint can check what CloudFormation will see. Offline: the managed policies the template
names are given here instead of being looked up in IAM.

usage: python infra/sam_translate.py template.yaml target/template.translated.json
"""

import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class OfflinePolicies:
    """The managed policies SAM adds by name (Lambda execution, X-Ray tracing)."""

    POLICIES = {
        "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        "AWSXRayDaemonWriteAccess": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
        "AWSLambdaRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
    }

    def load(self):
        return dict(self.POLICIES)


def main(src, dst):
    # The pseudo parameters (AWS::Region…) come from the environment, as in a deploy.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with open(src) as f:
        template = yaml_parse(f.read())
    # As `sam package` does: local code directories become the S3 objects it uploads.
    for name, r in template.get("Resources", {}).items():
        code = r.get("Properties", {}).get("CodeUri")
        if r.get("Type") == "AWS::Serverless::Function" and isinstance(code, str) and not code.startswith("s3://"):
            r["Properties"]["CodeUri"] = f"s3://tug-coach-artifacts/{name}.zip"
    # Values a deployer passes for the parameters without a default (shaped as their patterns).
    params = {
        "ApnsPlatformApplicationArn": "arn:aws:sns:us-east-1:123456789012:app/APNS/tug-coach",
        "FcmPlatformApplicationArn": "arn:aws:sns:us-east-1:123456789012:app/GCM/tug-coach",
    }
    out = transform(template, params, OfflinePolicies())
    with open(dst, "w") as f:
        json.dump(out, f, indent=1, default=str)
    kinds = {}
    for r in out.get("Resources", {}).values():
        kinds[r["Type"]] = kinds.get(r["Type"], 0) + 1
    print(f"{dst}: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
