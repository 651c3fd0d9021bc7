"""Stages 2 and 3, plan and queue: what is due becomes exact bytes in the outbox.

The planner says what is due; what is new is rendered (the renderer queries
nothing: what the messages quote is gathered from the archive first) and
committed to the outbox in batches.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from scheduler.app.report import TickReport
from scheduler.archive.action_store import ActionStore
from scheduler.archive.database import Archive
from scheduler.archive.render_inputs import RenderInputStore
from scheduler.archive.state import load_state
from scheduler.compose.render import Renderer
from scheduler.compose.render_inputs import (
    AgreedInputs,
    HandoverNote,
    RenderInputs,
    RenderNeeds,
    render_needs,
)
from scheduler.faults import Checkpoint
from scheduler.inbound.held import described
from scheduler.inputs.config import Config
from scheduler.inputs.content import Content
from scheduler.outbound.outbox import enqueue, existing_keys
from scheduler.plan.intents import Intent
from scheduler.plan.pacing import pace
from scheduler.plan.planner import plan
from scheduler.plan.state import HeldBack, State
from scheduler.reports.digest import build_digest
from scheduler.vocabulary import MessageKind

log = logging.getLogger("reflect")

BATCH = 500  # outbox rows committed at a time


def queue(
    archive: Archive,
    config: Config,
    content: Content,
    *,
    secret: bytes,
    now: datetime,
    report: TickReport,
    checkpoint: Checkpoint,
) -> None:
    """Plan, and render what is new into the outbox."""
    state = load_state(archive, now)
    intents = plan(config, content, now, state)
    if not intents:
        return
    known = existing_keys(archive, [i.key for i in intents])
    # at most a day's allowance to each member: what can wait is planned again next tick
    fresh = pace(config, now, state, [i for i in intents if i.key not in known])
    if fresh:
        queue_fresh(archive, config, content, state, fresh, secret=secret, now=now,
                    report=report, checkpoint=checkpoint)  # fmt: skip


def queue_fresh(
    archive: Archive,
    config: Config,
    content: Content,
    state: State,
    fresh: list[Intent],
    *,
    secret: bytes,
    now: datetime,
    report: TickReport,
    checkpoint: Checkpoint,
) -> None:
    """Render intents not yet in the outbox and commit them, in batches."""
    needs = render_needs(fresh, config=config, members=state.members, meetings=state.meetings)
    renderer = Renderer(
        config=config,
        content=content,
        secret=secret,
        members=state.members,
        meetings=state.meetings,
        now=now,
        inputs=replace(
            gather_render_inputs(archive, config, needs),
            requests={r.id: r for r in state.requests},
        ),
        invitations=state.invitations,
        held_back=(
            held_back(archive, state.held_back)
            if any(i.kind == MessageKind.QUARANTINE_NOTICE for i in fresh)
            else state.held_back
        ),
        started=state.started,
    )
    member_ids = {m.email: m.id for m in state.members.values()}
    batch = []
    for intent in fresh:
        batch.append((intent, renderer.render(intent)))
        if len(batch) >= BATCH:
            report.queued += enqueue(archive, batch, member_ids, now)
            batch = []
    checkpoint("after_render")
    report.queued += enqueue(archive, batch, member_ids, now)
    checkpoint("after_queue")
    for intent in fresh:
        log.debug("queued %s for %s", intent.kind, intent.recipient)
    log.info("queued %s message(s)", report.queued)


def held_back(archive: Archive, held: tuple[HeldBack, ...]) -> tuple[HeldBack, ...]:
    """The held messages a notice lists, with what each seems to be and its first lines."""
    found = described(archive, (h.inbound_id for h in held))
    return tuple(
        replace(h, seems=found[h.inbound_id][0], first_lines=found[h.inbound_id][1])
        if h.inbound_id in found
        else h
        for h in held
    )


def gather_render_inputs(archive: Archive, config: Config, needs: RenderNeeds) -> RenderInputs:
    """Read from the archive exactly what the messages about to be rendered quote."""
    store = RenderInputStore(archive)
    handovers = {
        newcomer.email: [
            HandoverNote(n.name, n.organisation, n.role, n.left_on, n.text)
            for n in store.leavers_notes(
                member_id=newcomer.id, organisation=newcomer.organisation, role=newcomer.role
            )
        ]
        for newcomer in needs.newcomers
    }
    settings = config.digest
    digests = {
        (need.meeting.id, need.occurrence): build_digest(
            archive,
            partnership=config.partnership.name,
            meeting_id=need.meeting.id,
            meeting_title=need.meeting.title,
            occurrence=need.occurrence,
            when_text=need.when_text,
            anonymise=settings.anonymise,
            min_group=settings.min_group,
            quiet_cycles=settings.quiet_cycles,
            zone=config.partnership.zone,
            private=settings.anonymise_areas,
        )
        for need in needs.digests
    }
    return RenderInputs(
        answer_texts=store.answer_texts(needs.answer_ids),
        answer_authors=store.answer_authors(needs.answer_ids),
        handovers=handovers,
        digests=digests,
        series_answers=store.series_answers(needs.series),
        agreed=agreed_inputs(ActionStore(archive), needs),
    )


def agreed_inputs(store: ActionStore, needs: RenderNeeds) -> AgreedInputs:
    """What meetings agreed, as the messages about to be rendered quote it."""
    lines = {notes_id: store.items(notes_id=notes_id) for notes_id in needs.notes_ids}
    return AgreedInputs(
        lines=lines,
        corrected=frozenset(n for n in needs.notes_ids if store.replaced_earlier(n)),
        actions={a: item for a in needs.action_ids if (item := store.item(a)) is not None},
        carried={
            (meeting_id, occurrence): store.carried_forward(occurrence)
            for meeting_id, occurrence in needs.carried
        },
    )
