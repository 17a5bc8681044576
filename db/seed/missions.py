"""Head office's technical support: experts, their missions to programmes, recommendations."""

import random
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from domain.enums import (
    ExpertiseDomain,
    MissionMode,
    MissionStatus,
    ProgrammePhase,
    RecommendationStatus,
    Role,
)

from .draw import Stamper, Weighted, between
from .network import Programme
from .rows import (
    Batch,
    ExpertDomainRow,
    ExpertProgrammeRow,
    ExpertRow,
    MissionAttachmentRow,
    MissionDomainRow,
    MissionExpertRow,
    MissionRow,
    RecommendationRow,
    RecommendationStatusChangeRow,
)

D = ExpertiseDomain
EMAIL_DOMAIN = "edm.example.org"  # fictional people get addresses that cannot exist
DOCUMENTS_HOST = "documents.edm.example.org"
REMOTE_BECOMES_COMMON = date(2020, 3, 1)
MISSIONS_UNTIL = timedelta(days=180)  # missions are planned up to six months after as_of


@dataclass(frozen=True)
class ExpertSpec:
    first_name: str
    last_name: str
    based_in: str
    joined_on: date
    domains: tuple[ExpertiseDomain, ...]


# Fictional people; together they cover every domain.
EXPERTS = (
    ExpertSpec(
        "Claire",
        "Morel",
        "Lyon, France",
        date(2006, 9, 1),
        (D.OPERATIONS_MANAGEMENT, D.RISK_MANAGEMENT),
    ),
    ExpertSpec(
        "Julien",
        "Besson",
        "Lyon, France",
        date(2009, 2, 1),
        (D.INFORMATION_AND_MANAGEMENT_SYSTEMS,),
    ),
    ExpertSpec(
        "Sophie",
        "Marchand",
        "Lyon, France",
        date(2011, 5, 1),
        (D.SOCIAL_PERFORMANCE, D.ADVOCACY_AND_FUND_RAISING),
    ),
    ExpertSpec(
        "Thomas",
        "Girard",
        "Lyon, France",
        date(2004, 1, 1),
        (D.FINANCIAL_MANAGEMENT, D.RISK_MANAGEMENT),
    ),
    ExpertSpec(
        "Anne-Laure",
        "Dubois",
        "Lyon, France",
        date(2003, 3, 1),
        (D.GOVERNANCE, D.STRATEGIC_PLANNING),
    ),
    ExpertSpec(
        "Mathieu",
        "Roche",
        "Lyon, France",
        date(2013, 10, 1),
        (D.HUMAN_RESOURCES, D.OPERATIONS_MANAGEMENT),
    ),
    ExpertSpec(
        "Camille",
        "Lefèvre",
        "Lyon, France",
        date(2015, 6, 1),
        (D.STRATEGIC_PLANNING, D.FINANCIAL_MANAGEMENT, D.GOVERNANCE),
    ),
    ExpertSpec(
        "Awa",
        "Ndiaye",
        "Dakar, Senegal",
        date(2017, 1, 1),
        (D.OPERATIONS_MANAGEMENT, D.SOCIAL_PERFORMANCE),
    ),
    ExpertSpec(
        "Pierre-Yves",
        "Caron",
        "Lyon, France",
        date(2008, 4, 1),
        (D.INFORMATION_AND_MANAGEMENT_SYSTEMS, D.RISK_MANAGEMENT, D.FINANCIAL_MANAGEMENT),
    ),
    ExpertSpec(
        "Hélène",
        "Fournier",
        "Lyon, France",
        date(2012, 9, 1),
        (D.ADVOCACY_AND_FUND_RAISING, D.HUMAN_RESOURCES),
    ),
)


@dataclass(frozen=True)
class DomainTexts:
    titles: tuple[str, ...]
    objectives: tuple[str, ...]
    findings: tuple[str, ...]
    recommendations: tuple[str, ...]
    owners: tuple[str, ...]


TEXTS: dict[ExpertiseDomain, DomainTexts] = {
    D.OPERATIONS_MANAGEMENT: DomainTexts(
        titles=(
            "Credit operations review",
            "Group methodology refresher",
            "Branch organisation review",
        ),
        objectives=(
            "Review the loan process from application to disbursement.",
            "Check how facilitators run group meetings and the six initial sessions.",
            "Assess facilitators' workload and the organisation of the branches.",
        ),
        findings=(
            "Disbursement takes nine days on average after approval; the target is five.",
            "Initial sessions are held as designed, but attendance sheets are often incomplete.",
            "Several facilitators follow more than 180 members, above the 150 target.",
        ),
        recommendations=(
            "Set a five-day standard from approval to disbursement and track it monthly",
            "Have group leaders sign attendance sheets at every initial session",
            "Rebalance groups between facilitators before opening new neighbourhoods",
            "Write down the procedure for members moving from one group to another",
        ),
        owners=("Head of operations", "Branch manager"),
    ),
    D.INFORMATION_AND_MANAGEMENT_SYSTEMS: DomainTexts(
        titles=("MIS health check", "Migration to the new MIS", "Reporting automation"),
        objectives=(
            "Check data quality in the MIS and the month-end closing.",
            "Prepare the migration of loan and savings data to the new MIS.",
            "Automate the monthly portfolio report sent to head office.",
        ),
        findings=(
            "About 2% of repayments are keyed in twice and reversed later.",
            "The month-end closing takes four days because of manual reconciliations.",
            "Portfolio-at-risk in the monthly report is computed as an arrears rate.",
        ),
        recommendations=(
            "Reconcile repayments against cash every evening",
            "Compute PAR30 from outstanding principal as SEEP defines it",
            "Back up the database off site every day",
            "Train two staff as MIS administrators",
        ),
        owners=("MIS officer", "Finance manager"),
    ),
    D.SOCIAL_PERFORMANCE: DomainTexts(
        titles=("Social performance audit", "Client satisfaction survey", "Poverty scoring review"),
        objectives=(
            "Measure outreach to poor women and client retention.",
            "Run a satisfaction survey with a sample of groups.",
            "Review how poverty likelihood scores are collected.",
        ),
        findings=(
            "Most exits happen after the first loan, mostly for lack of a next loan in time.",
            "Members value the social training sessions above the loans themselves.",
            "Poverty scores are missing for a third of the new members.",
        ),
        recommendations=(
            "Call every member who has not taken a next loan 60 days after repaying",
            "Collect the poverty score at the first initial session",
            "Report retention by facilitator every quarter",
        ),
        owners=("Social performance officer", "Programme director"),
    ),
    D.STRATEGIC_PLANNING: DomainTexts(
        titles=("Strategic plan workshop", "Business plan update", "Expansion feasibility study"),
        objectives=(
            "Draft the three-year strategic plan with the management team.",
            "Update the business plan and its growth assumptions.",
            "Study the opening of a new area.",
        ),
        findings=(
            "Growth assumptions ignore the lean season's effect on repayments.",
            "The new area has demand but no partner for cash transport.",
            "Management agrees on autonomy within four years.",
        ),
        recommendations=(
            "Adopt the strategic plan at the next board meeting",
            "Phase the opening of the new area over two years",
            "Review the business plan every six months against actual figures",
        ),
        owners=("Programme director", "Board chair"),
    ),
    D.FINANCIAL_MANAGEMENT: DomainTexts(
        titles=("Financial management review", "Budget and cash planning", "Audit preparation"),
        objectives=(
            "Review accounting, budget follow-up and cash management.",
            "Build the annual budget and the cash plan for disbursements.",
            "Prepare the external audit.",
        ),
        findings=(
            "Cash held in branches exceeds the insurance limit on disbursement days.",
            "The budget is followed quarterly; monthly follow-up is needed.",
            "Loan-loss provisions do not follow the central bank's ageing rules.",
        ),
        recommendations=(
            "Provision loans by days past due following the regulator's table",
            "Follow the budget monthly with the management team",
            "Cap the cash held in each branch and bank the surplus daily",
        ),
        owners=("Finance manager", "Programme director"),
    ),
    D.GOVERNANCE: DomainTexts(
        titles=("Board support mission", "Governance review", "Statutes and legal structure"),
        objectives=(
            "Support the board in its oversight of the programme.",
            "Review the governance bodies and their charters.",
            "Prepare the statutes of the future local institution.",
        ),
        findings=(
            "The board meets twice a year; members ask for quarterly portfolio figures.",
            "No audit committee exists yet.",
            "Statutes are ready; registration awaits the ministry's approval.",
        ),
        recommendations=(
            "Create an audit committee of the board",
            "Send the board a quarterly dashboard with PAR30 and write-offs",
            "Renew a third of the board members every two years",
        ),
        owners=("Board chair", "Programme director"),
    ),
    D.HUMAN_RESOURCES: DomainTexts(
        titles=("HR policy review", "Facilitator training", "Staff appraisal set-up"),
        objectives=(
            "Review the HR policy, salaries and staff turnover.",
            "Train new facilitators in the group methodology.",
            "Set up yearly appraisals.",
        ),
        findings=(
            "Facilitator turnover reached 25% last year.",
            "New facilitators start in the field without the full training.",
            "Salaries are below the local market for experienced staff.",
        ),
        recommendations=(
            "Give every new facilitator two weeks of training before the field",
            "Hold yearly appraisals for all staff",
            "Review the salary grid against the local market",
        ),
        owners=("HR manager", "Programme director"),
    ),
    D.RISK_MANAGEMENT: DomainTexts(
        titles=("Portfolio quality review", "Internal control review", "Fraud risk assessment"),
        objectives=(
            "Analyse portfolio at risk and write-offs by branch and facilitator.",
            "Review internal control of cash and loan files.",
            "Assess fraud risks in collections.",
        ),
        findings=(
            "PAR30 is concentrated in groups formed in the last year.",
            "Write-off decisions lack a written procedure.",
            "Some repayments are recorded several days after collection.",
        ),
        recommendations=(
            "Write and apply a write-off procedure approved by the board",
            "Visit every group with a loan more than 30 days late within a week",
            "Record every repayment on the day it is collected",
            "Rotate facilitators between areas every three years",
        ),
        owners=("Risk and audit officer", "Credit manager"),
    ),
    D.ADVOCACY_AND_FUND_RAISING: DomainTexts(
        titles=("Fund-raising support", "Partner reporting", "Donor visit preparation"),
        objectives=(
            "Prepare funding applications with the programme team.",
            "Improve reports to funders and partners.",
            "Prepare a visit of funders to the programme.",
        ),
        findings=(
            "Two funders ask for social indicators the programme does not yet track.",
            "Funding is secured for two years; the third is uncertain.",
            "Reports to funders are late by two months on average.",
        ),
        recommendations=(
            "Prepare a yearly social report with outreach and retention",
            "Apply to two new funders before the end of the year",
            "Send partner reports within a month of the period's end",
        ),
        owners=("Partnerships officer", "Programme director"),
    ),
}

# Days between two missions to a programme, by phase: start-ups need the most support.
MISSION_INTERVAL = {
    ProgrammePhase.START_UP: (60, 120),
    ProgrammePhase.CONSOLIDATION: (90, 180),
    ProgrammePhase.AUTONOMOUS: (180, 400),
}
DUE_STATUS = Weighted(
    [
        (RecommendationStatus.DONE, 62),
        (RecommendationStatus.DROPPED, 8),
        (RecommendationStatus.IN_PROGRESS, 12),
        (RecommendationStatus.OPEN, 18),
    ]
)
NOT_DUE_STATUS = Weighted(
    [
        (RecommendationStatus.OPEN, 55),
        (RecommendationStatus.IN_PROGRESS, 40),
        (RecommendationStatus.DONE, 5),
    ]
)


CANCELLATION_REASONS = (
    "Postponed: the programme's director was on leave",
    "Cancelled: travel advice against the trip",
    "Replaced by a remote follow-up",
    "Cancelled: the programme asked to move it to the next quarter",
)
FOLLOW_UP_COMMENTS = {
    RecommendationStatus.IN_PROGRESS: ("Work started", "First steps taken, to be continued"),
    RecommendationStatus.DONE: ("Done; evidence sent to head office", "Done and checked"),
    RecommendationStatus.DROPPED: (
        "Dropped: no longer relevant",
        "Dropped after discussion with head office",
    ),
}


@dataclass(frozen=True)
class Expert:
    id: uuid.UUID
    spec: ExpertSpec
    email: str


def email(first: str, last: str) -> str:
    plain = unicodedata.normalize("NFKD", f"{first}.{last}".lower())
    return "".join(c for c in plain if not unicodedata.combining(c)) + f"@{EMAIL_DOMAIN}"


def missions_batch(rng: random.Random, programmes: list[Programme], as_of: date) -> Batch:
    """Experts and their domains; missions to every programme since it started, with their
    experts, domains, documents and recommendations. Expert-programme links follow the
    missions."""
    return _Missions(rng, as_of).generate(programmes)


class _Missions:
    def __init__(self, rng: random.Random, as_of: date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.stamp = Stamper(rng)
        self.batch = Batch()
        self.experts: list[Expert] = []

    def generate(self, programmes: list[Programme]) -> Batch:
        for spec in EXPERTS:
            expert = Expert(
                self.stamp.id(spec.joined_on), spec, email(spec.first_name, spec.last_name)
            )
            self.experts.append(expert)
            self.batch.experts.append(
                ExpertRow(expert.id, spec.first_name, spec.last_name, expert.email, spec.based_in)
            )
            self.batch.expert_domains.extend(ExpertDomainRow(expert.id, d) for d in spec.domains)
        supports: dict[tuple[uuid.UUID, uuid.UUID], None] = {}  # an ordered set
        for programme in programmes:
            domains = list(ExpertiseDomain)
            self.rng.shuffle(domains)  # each programme gets every domain in turn, in its order
            day = programme.spec.started_on + timedelta(days=self.rng.randint(20, 90))
            turn = 0
            while day <= self.as_of + MISSIONS_UNTIL:
                team = self._team(domains[turn % len(domains)], day)
                supports.update(((expert.id, programme.id), None) for expert in team)
                self._mission(programme, domains[turn % len(domains)], team, day)
                turn += 1
                low, high = MISSION_INTERVAL[programme.spec.phase_on(day)]
                day += timedelta(days=self.rng.randint(low, high))
        self.batch.expert_programmes.extend(ExpertProgrammeRow(e, p) for e, p in supports)
        return self.batch

    def _team(self, domain: ExpertiseDomain, day: date) -> list[Expert]:
        """A lead expert of the domain (already hired if possible), sometimes a colleague."""
        able = [e for e in self.experts if domain in e.spec.domains]
        lead = self.rng.choice([e for e in able if e.spec.joined_on <= day] or able)
        if self.rng.random() < 0.25:
            return [lead, self.rng.choice([e for e in self.experts if e is not lead])]
        return [lead]

    def _mission(
        self, programme: Programme, domain: ExpertiseDomain, team: list[Expert], planned_start: date
    ) -> None:
        rng, as_of = self.rng, self.as_of
        remote_share = 0.5 if planned_start >= REMOTE_BECOMES_COMMON else 0.2
        mode = MissionMode.REMOTE if rng.random() < remote_share else MissionMode.ON_SITE
        length = rng.randint(1, 5) if mode is MissionMode.REMOTE else rng.randint(5, 14)
        planned_end = planned_start + timedelta(days=length)
        domains = [domain]
        others = [d for d in team[0].spec.domains if d != domain]
        if others and rng.random() < 0.3:
            domains.append(rng.choice(others))
        actual_start: date | None = None
        actual_end: date | None = None
        reason = ""
        if planned_start > as_of:
            status = MissionStatus.PLANNED
        elif rng.random() < 0.06:
            status, reason = MissionStatus.CANCELLED, rng.choice(CANCELLATION_REASONS)
        else:
            actual_start = min(as_of, planned_start + timedelta(days=rng.randint(-2, 5)))
            end = actual_start + timedelta(days=max(0, length + rng.randint(-1, 3)))
            if end <= as_of:
                status, actual_end = MissionStatus.COMPLETED, end
            else:
                status = MissionStatus.IN_PROGRESS
        created_on = min(as_of, planned_start - timedelta(days=rng.randint(15, 75)))
        mission_id, created_at = self.stamp.id_at(created_on)
        texts = TEXTS[domain]
        self.batch.missions.append(
            MissionRow(
                id=mission_id,
                programme_id=programme.id,
                title=rng.choice(texts.titles),
                phase=programme.spec.phase_on(planned_start),
                mode=mode,
                status=status,
                planned_start_on=planned_start,
                planned_end_on=planned_end,
                actual_start_on=actual_start,
                actual_end_on=actual_end,
                objectives=" ".join(rng.sample(texts.objectives, 2)),
                findings=rng.choice(texts.findings) if actual_end is not None else "",
                status_reason=reason,
                created_at=created_at,
            )
        )
        self.batch.mission_experts.extend(MissionExpertRow(mission_id, e.id) for e in team)
        self.batch.mission_domains.extend(MissionDomainRow(mission_id, d) for d in domains)
        if status is not MissionStatus.CANCELLED:
            self._attach(programme, mission_id, team[0], "Terms of reference", created_on)
        if actual_end is not None:
            self._attach(programme, mission_id, team[0], "Mission report", actual_end)
            for _ in range(rng.randint(1, 4)):
                self._recommendation(
                    programme, mission_id, rng.choice(domains), team[0], actual_end
                )

    def _attach(
        self, programme: Programme, mission_id: uuid.UUID, by: Expert, title: str, day: date
    ) -> None:
        attachment_id, added_at = self.stamp.id_at(day)
        slug = title.lower().replace(" ", "-")
        self.batch.mission_attachments.append(
            MissionAttachmentRow(
                id=attachment_id,
                programme_id=programme.id,
                mission_id=mission_id,
                title=title,
                url=f"https://{DOCUMENTS_HOST}/missions/{mission_id}/{slug}.pdf",
                added_by=by.email,
                added_at=added_at,
            )
        )

    def _recommendation(
        self,
        programme: Programme,
        mission_id: uuid.UUID,
        domain: ExpertiseDomain,
        expert: Expert,
        made_on: date,
    ) -> None:
        """A recommendation and its follow-up trail: made OPEN by the expert, then moved on by
        the programme's staff (sometimes through IN_PROGRESS) up to its status."""
        rng, as_of = self.rng, self.as_of
        texts = TEXTS[domain]
        owner = rng.choice(texts.owners)
        due_on = made_on + timedelta(days=rng.randint(30, 270))
        status = (DUE_STATUS if due_on <= as_of else NOT_DUE_STATUS).pick(rng)
        steps: list[tuple[RecommendationStatus, date]] = [(RecommendationStatus.OPEN, made_on)]
        if status is not RecommendationStatus.OPEN:
            last_on = between(rng, made_on, max(made_on, min(as_of, due_on + timedelta(days=120))))
            if status is not RecommendationStatus.IN_PROGRESS and rng.random() < 0.4:
                steps.append((RecommendationStatus.IN_PROGRESS, between(rng, made_on, last_on)))
            steps.append((status, last_on))
        recommendation_id, created_at = self.stamp.id_at(made_on)
        self.batch.recommendations.append(
            RecommendationRow(
                id=recommendation_id,
                programme_id=programme.id,
                mission_id=mission_id,
                domain=domain,
                text=rng.choice(texts.recommendations),
                owner=owner,
                due_on=due_on,
                status=status,
                status_changed_on=steps[-1][1] if len(steps) > 1 else None,
                created_at=created_at,
            )
        )
        staff = f"{owner.lower().replace(' ', '.')}@{programme.spec.code.lower()}.example.org"
        previous: RecommendationStatus | None = None
        at = None
        for to_status, changed_on in steps:
            change_id, at = self.stamp.id_at(changed_on, at)
            made = previous is None
            self.batch.recommendation_status_changes.append(
                RecommendationStatusChangeRow(
                    id=change_id,
                    programme_id=programme.id,
                    recommendation_id=recommendation_id,
                    from_status=previous,
                    to_status=to_status,
                    changed_on=changed_on,
                    comment="" if made else rng.choice(FOLLOW_UP_COMMENTS[to_status]),
                    changed_by=expert.email if made else staff,
                    changed_by_role=(Role.EXPERT if made else Role.PROGRAMME_STAFF).value,
                    recorded_at=at,
                )
            )
            previous = to_status
