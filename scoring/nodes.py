"""The unit every scoring stage works on: a distinct (account, prompt) pair, called a node."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import distinct


@dataclass(frozen=True)
class Nodes:
    """The distinct (owner, prompt) pairs of a day, sorted by owner.

    The owner is an account for the account stages and a campaign for the campaign
    stage, whose pooled prompts go through the same templating and coverage code.

    Attributes:
        account: per node, its owner's code (0..n_accounts-1), ascending.
        uid: per node, its prompt's id (a row of the day's vectors and token store).
        n_accounts: number of owner codes.
    """

    account: np.ndarray
    uid: np.ndarray
    n_accounts: int

    def __len__(self) -> int:
        return len(self.uid)

    @classmethod
    def of_rows(cls, row_owner: np.ndarray, row_uid: np.ndarray, *, n_owners: int, n_uids: int) -> Nodes:
        """The distinct (owner, prompt) pairs of per-row owner codes and prompt ids."""
        keys = distinct(row_owner.astype(np.int64) * n_uids + row_uid)
        return cls(account=keys // n_uids, uid=keys % n_uids, n_accounts=n_owners)

    def per_account(self) -> np.ndarray:
        """Distinct prompts of each owner."""
        return np.bincount(self.account, minlength=self.n_accounts)
