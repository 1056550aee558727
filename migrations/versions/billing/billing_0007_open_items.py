"""open items: an append-only, dated ledger of what each invoice owes (billing_open_item), back-filled

Each invoice gets its rows from what is stored: its total on its issue day, its
case credit notes, the allocations filed under it (on their payment's day) and
their reversals; a version credited or cancelled is closed, and one last row
brings any invoice whose rows would not add up to its balance today (an
allocation lowered by a change, an overpayment, an order cancelled) to it.
Days are the company's. Chained after billing_0006 (monthly invoicing).

Revision ID: billing_0007
Revises: billing_0006
Create Date: 2026-12-07 15:00:00.000000

"""
from collections import defaultdict
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'billing_0007'
down_revision = 'billing_0006'
branch_labels = None
depends_on = None

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CLOSED = ("cancelled", "credited")
UNSETTLED = ("cancelled", "rejected", "draft")
KINDS = ('issued', 'credit_note', 'payment', 'reversal', 'closed')


def upgrade():
    entries = op.create_table('billing_open_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('salesperson_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='entrykind', native_enum=False, length=24), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_billing_open_item_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_billing_open_item_customer_id_customer')),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'],
        name=op.f('fk_billing_open_item_invoice_id_billing_invoice')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_billing_open_item_order_id_order')),
    sa.ForeignKeyConstraint(['salesperson_id'], ['user.id'], name=op.f('fk_billing_open_item_salesperson_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_open_item'))
    )
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.create_index('ix_billing_open_item_company_customer', ['company_id', 'customer_id', 'invoice_id'],
                              unique=False)
        batch_op.create_index('ix_billing_open_item_ageing', ['company_id', 'invoice_id', 'customer_id',
                              'salesperson_id', 'currency', 'due_date', 'posted_on', 'amount'], unique=False)
        batch_op.create_index('ix_billing_open_item_invoice', ['invoice_id'], unique=False)
    _backfill(entries)


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _moment(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _backfill(entries: sa.Table) -> None:
    bind = op.get_bind()
    zones = {row.id: ZoneInfo(row.timezone) for row in bind.execute(sa.text("SELECT id, timezone FROM company"))}
    invoices = list(bind.execute(sa.text(
        'SELECT i.id, i.company_id, i.order_id, i.currency, i.due_date, i.issued_at, i.status, i.total, '
        'o.customer_id, o.created_by_id, o.total AS order_total, o.status AS order_status '
        'FROM billing_invoice i JOIN "order" o ON o.id = i.order_id ORDER BY i.id')))
    if not invoices:
        return
    events = defaultdict(list)  # invoice id -> [(moment, kind, amount)]
    for row in bind.execute(sa.text(
            "SELECT invoice_id, total, issued_at FROM billing_credit_note "
            "WHERE reason = 'case_credit' AND invoice_id IS NOT NULL")):
        events[row.invoice_id].append((_moment(row.issued_at), 'credit_note', -_money(row.total)))
    credited = defaultdict(lambda: ZERO)  # order id -> case credits
    for row in bind.execute(sa.text(
            "SELECT order_id, total FROM billing_credit_note WHERE reason = 'case_credit'")):
        credited[row.order_id] += _money(row.total)
    paid = defaultdict(lambda: ZERO)  # order id -> live allocations
    for row in bind.execute(sa.text(
            "SELECT a.order_id, a.invoice_id, a.amount, a.reversed_at, p.received_at "
            "FROM billing_payment_allocation a JOIN billing_payment p ON p.id = a.payment_id")):
        amount = _money(row.amount)
        if row.reversed_at is None:
            paid[row.order_id] += amount
        if row.invoice_id is None:
            continue
        events[row.invoice_id].append((_moment(row.received_at), 'payment', -amount))
        if row.reversed_at is not None:
            events[row.invoice_id].append((_moment(row.reversed_at), 'reversal', amount))
    rows = []
    for invoice in invoices:
        zone = zones[invoice.company_id]
        issued = _moment(invoice.issued_at)
        due = invoice.due_date if isinstance(invoice.due_date, date) else date.fromisoformat(invoice.due_date)
        dated = [(issued, 'issued', _money(invoice.total))] + sorted(events[invoice.id], key=lambda e: e[0])
        if invoice.status in CLOSED or invoice.order_status in UNSETTLED:
            owed = ZERO
        else:
            owed = max(_money(invoice.order_total) - credited[invoice.order_id] - paid[invoice.order_id], ZERO)
        rest = owed - sum((amount for _moment_, _kind, amount in dated), ZERO)
        if rest:
            kind = 'closed' if invoice.status in CLOSED else ('reversal' if rest > ZERO else 'payment')
            dated.append((max(moment for moment, _kind, _amount in dated), kind, rest))
        for moment, kind, amount in dated:
            rows.append({
                'company_id': invoice.company_id, 'customer_id': invoice.customer_id,
                'salesperson_id': invoice.created_by_id, 'order_id': invoice.order_id, 'invoice_id': invoice.id,
                'currency': invoice.currency, 'due_date': due,
                'posted_on': max(moment, issued).astimezone(zone).date(), 'kind': kind, 'amount': amount})
        if len(rows) >= 5000:
            op.bulk_insert(entries, rows)
            rows = []
    if rows:
        op.bulk_insert(entries, rows)


def downgrade():
    with op.batch_alter_table('billing_open_item', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_open_item_invoice')
        batch_op.drop_index('ix_billing_open_item_ageing')
        batch_op.drop_index('ix_billing_open_item_company_customer')
    op.drop_table('billing_open_item')
