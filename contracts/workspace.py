"""What contracts puts on the merchant workspace (see `portal.workspace`): the contract to accept (owners and
admins get the link; other members see it without, capability `accept_contract`), the contract being prepared
or countersigned, and the stage from the contract's side (contract to accept … signed, deposit next … active).
Registered from `ContractsConfig.ready()`.

Cost: one query whatever the merchant's history (its open contracts with whether the issued PDF exists), shared
by the stage and the to-dos through `context.cache`.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.permissions import Capability
from portal.money import format_money
from portal.workspace import Stage, Todo, Urgency, WorkspaceContext, nav_link_register, stage_provider, todo_provider

from .models import Contract, ContractKind, ContractStatus
from .selectors import merchant_contracts_for_workspace

S = ContractStatus

nav_link_register(url_name="contracts:list", label=gettext_lazy("Contracts"), order=20)


def workspace_contracts(context: WorkspaceContext) -> list[Contract]:
    """The merchant's open contracts, read once per workspace page (other packages' providers may ask too:
    onboarding leaves the next step to contracts once a contract has been issued)."""
    if "contracts.open" not in context.cache:
        context.cache["contracts.open"] = merchant_contracts_for_workspace(merchant=context.merchant)
    return context.cache["contracts.open"]


def _first(contracts: list[Contract], status: str, *, main: bool | None = None) -> Contract | None:
    for contract in contracts:
        if contract.status != status:
            continue
        if main is True and contract.kind == ContractKind.AMENDMENT:
            continue
        return contract
    return None


@todo_provider
def contract_todos(context: WorkspaceContext) -> list[Todo]:
    todos: list[Todo] = []
    contracts = workspace_contracts(context)
    for contract in contracts:
        facts = {"number": contract.number}
        if contract.status == S.ISSUED and contract.has_issued_pdf:
            title = (_("Accept the amendment %(number)s") if contract.kind == ContractKind.AMENDMENT
                     else _("Accept your contract %(number)s")) % facts
            todos.append(Todo(key="contracts.accept", title=title, urgency=Urgency.ACTION,
                              detail=_("Review the PDF, type your full name and confirm with the code we email you."),
                              url=reverse("contracts:accept", kwargs={"pk": contract.pk}),
                              action=_("Review and accept"), capability=Capability.ACCEPT_CONTRACT))
        elif contract.status == S.ISSUED:
            todos.append(Todo(key="contracts.preparing", title=_("Your contract is being prepared"),
                              urgency=Urgency.WAITING, detail=_("Its PDF is being generated; it takes a minute."),
                              url=reverse("contracts:list"), action=_("See your contracts")))
        elif contract.status == S.ACCEPTED:
            todos.append(Todo(key="contracts.countersigning", title=_("Contract %(number)s: countersigning") % facts,
                              urgency=Urgency.WAITING,
                              detail=_("You have accepted it. The platform countersigns it next; we email you."),
                              url=reverse("contracts:detail", kwargs={"pk": contract.pk}),
                              action=_("See the contract")))
    # a first contract in preparation is onboarding's "next: your contract" (with the grade and deposit); an
    # amendment or a renewal in preparation is told here
    draft = next((c for c in contracts if c.status == S.DRAFT), None)
    if draft is not None and any(c.status != S.DRAFT for c in contracts) and not any(
            c.status == S.ISSUED for c in contracts):
        title = (_("An amendment is being prepared") if draft.kind == ContractKind.AMENDMENT
                 else _("Your contract is being prepared"))
        todos.append(Todo(key="contracts.preparing", title=title, urgency=Urgency.WAITING,
                          detail=_("The recruitment team is preparing it. You will be asked to accept it here."),
                          url=reverse("contracts:list"), action=_("See your contracts")))
    return todos


@stage_provider
def contract_stage(context: WorkspaceContext) -> Stage | None:
    contracts = workspace_contracts(context)
    if not contracts:
        return None
    active = _first(contracts, S.ACTIVE, main=True) or _first(contracts, S.EXPIRING, main=True)
    if active is not None:
        return Stage(rank=40, label=_("Active merchant"), tone="ok",
                     detail=_("Contract %(number)s runs until %(date)s.")
                     % {"number": active.number, "date": active.ends_on.isoformat() if active.ends_on else "—"})
    signed = _first(contracts, S.SIGNED, main=True)
    if signed is not None:
        return Stage(rank=35, label=_("Contract signed, deposit next"), tone="progress",
                     detail=_("Contract %(number)s is signed. Pay the deposit of %(deposit)s; the contract becomes "
                              "active once it is paid.")
                     % {"number": signed.number, "deposit": format_money(signed.deposit_amount, signed.currency)})
    if _first(contracts, S.ACCEPTED, main=True) is not None:
        return Stage(rank=33, label=_("Contract accepted"), tone="progress",
                     detail=_("The platform countersigns your contract next."))
    issued = _first(contracts, S.ISSUED, main=True)
    if issued is not None:
        return Stage(rank=32, label=_("Contract to accept"), tone="warning",
                     detail=_("Contract %(number)s is waiting for your acceptance.") % {"number": issued.number})
    if _first(contracts, S.DRAFT, main=True) is not None:
        return Stage(rank=31, label=_("Contract in preparation"), tone="progress",
                     detail=_("The recruitment team is preparing your contract."))
    return None
