"""The IAM gate's policy evaluation with statements of thousands of action patterns, as AWS managed policies
such as ReadOnlyAccess have them: each statement's patterns are compiled into one regex, and what every
pattern allows, what none allows and the precedence of an explicit Deny stay as IAM has them.

These call the gate's evaluator (IamGate.decide) directly; no sandbox_aws process is started.
"""

from __future__ import annotations

import json
import random
import sys
import unittest

from support import REPO

if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))

from sandbox_aws_front.iam_gate import IamGate, _policy_document  # noqa: E402  (needs scripts/ on sys.path)

SERVICES = [f"svc{i:03d}" for i in range(150)]


def patterns_of(service: str, index: int) -> list[str]:
    """20 action patterns of one service: exact names (some in lower case), `*` and `?` wildcards, and names with
    characters that are special in a regex (they must stay literal)."""
    exact = [f"{service}:DescribeThing{j}" for j in range(12)]
    exact += [f"{service}:getitem{j}" for j in range(3)]  # lower case: IAM compares actions case-insensitively
    wildcards = [f"{service}:List*", f"{service}:Get*Policy", f"{service}:Batch?etItem", f"{service}:Weird.Name+{index}"]
    whole = [f"{service}:*"] if index % 10 == 0 else [f"{service}:Tag(Resource)"]
    return exact + wildcards + whole


PATTERNS = [p for i, s in enumerate(SERVICES) for p in patterns_of(s, i)]


def sample(pattern: str) -> str:
    """An action the pattern matches: `*` as a run of characters, `?` as one character."""
    return pattern.replace("*", "Xyz").replace("?", "Q")


def reference_match(pattern: str, value: str) -> bool:
    """IAM's wildcard match, case-insensitive (for actions), without regexes: `*` any run, `?` any one character."""
    p, v = pattern.lower(), value.lower()
    # reachable[j]: p[:i] matches v[:j]
    reachable = [True] + [False] * len(v)
    for ch in p:
        if ch == "*":
            for j in range(1, len(v) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            reachable = [False] + [reachable[j - 1] and (ch == "?" or ch == v[j - 1]) for j in range(1, len(v) + 1)]
    return reachable[-1]


def allow(actions: list[str], resource: str | list[str] = "*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def decide(statements: list[dict], action: str, resource: str = "*", context: dict | None = None) -> str:
    return IamGate.decide([{"Version": "2012-10-17", "Statement": statements}], action, resource, context or {})


class LargeStatementTest(unittest.TestCase):
    def test_the_statement_is_as_large_as_a_managed_policy(self) -> None:
        self.assertEqual(len(PATTERNS), 3000)
        self.assertEqual(len(set(PATTERNS)), 3000)

    def test_every_pattern_allows_what_it_matches_in_any_case(self) -> None:
        statements = [allow(PATTERNS)]
        for pattern in PATTERNS:
            action = sample(pattern)
            for variant in (action, action.lower(), action.upper(), action.swapcase()):
                self.assertEqual(decide(statements, variant), "allow", f"{variant} (pattern {pattern})")

    def test_wildcards_match_runs_and_single_characters(self) -> None:
        statements = [allow(PATTERNS)]
        for action in ("svc001:List", "svc001:ListEverythingThereIs", "svc001:GetPolicy", "svc001:GetBucketPolicy",
                       "svc001:BatchGetItem", "svc001:batchsetitem", "svc010:AnythingAtAll", "SVC020:"):
            self.assertEqual(decide(statements, action), "allow", action)
        for action in ("svc001:BatchGettItem", "svc001:BatchetItem", "svc001:GetPolicyVersion", "svc001:Lis"):
            self.assertEqual(decide(statements, action), "implicit", action)

    def test_actions_matching_no_pattern_are_not_allowed(self) -> None:
        statements = [allow(PATTERNS)]
        for action in (
            "nosuch:DescribeThing1",        # a service no pattern names
            "svc001:DescribeThing12",       # past the exact names
            "svc001:DescribeThing1Extra",   # an exact name is matched whole, not as a prefix ...
            "xsvc001:DescribeThing1",       # ... nor as a suffix
            "svc001:DescribeThing",
            "svc001:WeirdXName+1",          # `.` is literal
            "svc001:Weird.Nameee1",         # `+` is literal
            "svc001:TagResource",           # parentheses are literal
            "svc001:Tag(Resource)x",
            "svc0011:List",
            "svc001:List\nx",
            "",
            "*",
        ):
            self.assertEqual(decide(statements, action), "implicit", repr(action))
        self.assertEqual(decide(statements, "svc001:Weird.Name+1"), "allow")
        self.assertEqual(decide(statements, "svc001:tag(resource)"), "allow")

    def test_random_actions_are_decided_as_the_patterns_match_them_one_by_one(self) -> None:
        rng = random.Random(20260101)
        statements = [allow(PATTERNS)]
        words = ["Describe", "Thing", "List", "Get", "Policy", "Batch", "Set", "Item", "item", "Weird", ".", "Name", "+",
                 "Tag", "(Resource)", "1", "2", "11"]
        by_service = {s: [p for p in PATTERNS if p.split(":")[0] == s] for s in SERVICES}
        allowed = refused = 0
        for _ in range(1500):
            service = rng.choice(SERVICES)
            action = f"{service}:" + "".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
            expected = any(reference_match(p, action) for p in by_service[service])
            self.assertEqual(decide(statements, action), "allow" if expected else "implicit", action)
            allowed, refused = allowed + expected, refused + (not expected)
        self.assertGreater(allowed, 100)
        self.assertGreater(refused, 100)

    def test_an_explicit_deny_wins_over_the_large_allow(self) -> None:
        denied = [p for i, p in enumerate(PATTERNS) if i % 2] + ["svc004:Describe*"]
        statements = [allow(PATTERNS), {"Effect": "Deny", "Action": denied, "Resource": "*"}, allow(["*"])]
        for pattern in denied:
            self.assertEqual(decide(statements, sample(pattern).swapcase()), "deny", pattern)
        self.assertEqual(decide(statements, "svc004:DescribeThing0"), "deny")
        self.assertEqual(decide(statements, "svc005:DescribeThing0"), "allow")
        self.assertEqual(decide(statements, "nosuch:Anything"), "allow")
        self.assertEqual(decide([allow(PATTERNS), {"Effect": "Deny", "Action": "*", "Resource": "*"}], "svc001:List"), "deny")

    def test_not_action_resource_and_not_resource_lists(self) -> None:
        everything_but = [{"Effect": "Allow", "NotAction": PATTERNS, "Resource": "*"}]
        self.assertEqual(decide(everything_but, "svc001:ListThings"), "implicit")
        self.assertEqual(decide(everything_but, "SVC001:DESCRIBETHING3"), "implicit")
        self.assertEqual(decide(everything_but, "nosuch:DescribeThing3"), "allow")

        buckets = [f"arn:aws:s3:::bucket-{i}" for i in range(1500)] + ["arn:aws:s3:::logs-*/2026/??/*"]
        scoped = [allow(PATTERNS, buckets)]
        self.assertEqual(decide(scoped, "svc001:ListThings", "arn:aws:s3:::bucket-1499"), "allow")
        self.assertEqual(decide(scoped, "svc001:ListThings", "arn:aws:s3:::logs-a/2026/01/x.gz"), "allow")
        self.assertEqual(decide(scoped, "svc001:ListThings", "arn:aws:s3:::logs-a/2026/1/x.gz"), "implicit")
        # resources, unlike actions, are case-sensitive
        self.assertEqual(decide(scoped, "svc001:ListThings", "arn:aws:s3:::BUCKET-1"), "implicit")
        self.assertEqual(decide(scoped, "svc001:ListThings", "arn:aws:s3:::bucket-1500"), "implicit")

        outside = [{"Effect": "Allow", "Action": PATTERNS, "NotResource": buckets}]
        self.assertEqual(decide(outside, "svc001:ListThings", "arn:aws:s3:::bucket-7"), "implicit")
        self.assertEqual(decide(outside, "svc001:ListThings", "arn:aws:s3:::other"), "allow")

    def test_conditions_still_decide_on_a_large_statement(self) -> None:
        conditional = [
            {
                "Effect": "Allow",
                "Action": PATTERNS + ["iam:PassRole"],
                "Resource": "*",
                "Condition": {"StringLike": {"iam:PassedToService": "ecs*.amazonaws.com"}},
            }
        ]
        self.assertEqual(decide(conditional, "iam:passrole", "*", {"iam:PassedToService": "ecs-tasks.amazonaws.com"}), "allow")
        self.assertEqual(decide(conditional, "iam:PassRole", "*", {"iam:PassedToService": "lambda.amazonaws.com"}), "implicit")
        self.assertEqual(decide(conditional, "iam:PassRole", "*", {}), "implicit")

    def test_an_empty_action_list_allows_nothing(self) -> None:
        self.assertEqual(decide([allow([])], ""), "implicit")
        self.assertEqual(decide([allow([])], "svc001:ListThings"), "implicit")
        self.assertEqual(decide([allow(["svc001:List*"], [])], "svc001:ListThings"), "implicit")

    def test_a_policy_text_is_parsed_once_into_the_same_document(self) -> None:
        text = json.dumps({"Version": "2012-10-17", "Statement": [allow(PATTERNS)]})
        first = _policy_document(text)
        self.assertEqual(first, json.loads(text))
        self.assertIs(_policy_document(text), first)
        self.assertEqual(IamGate.decide([first], "svc001:ListThings", "*", {}), "allow")


if __name__ == "__main__":
    unittest.main()
