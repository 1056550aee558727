"""The core's models; plugins keep theirs in their own ``models.py``."""
from core.models.audit import AppendOnlyError, AuditEntry
from core.models.calendar import Holiday, WorkingCalendar
from core.models.company import Company, ModuleSetting
from core.models.document import DocumentDue, StoredDocument
from core.models.jobs import JobLease, JobOutcome
from core.models.masterdata import Customer, CustomerPrice, DeliveryMethod, InvoiceType, PaymentTerms, Product
from core.models.order import Channel, Order, OrderLine, OrderModule, OrderStatus
from core.models.outbox import OutboxAttachment, OutboxMessage, OutboxStatus
from core.models.revision import OrderRevision
from core.models.types import utcnow
from core.models.users import ApiToken, LoginAttempt, LoginThrottle, Role, RolePermission, User, user_role

__all__ = [
    "ApiToken", "AppendOnlyError", "AuditEntry", "Channel", "Company", "Customer", "CustomerPrice",
    "DeliveryMethod", "Holiday", "InvoiceType",
    "JobLease", "JobOutcome", "LoginAttempt", "LoginThrottle", "ModuleSetting", "Order", "OrderLine",
    "OrderModule", "OrderRevision", "OrderStatus",
    "OutboxAttachment", "OutboxMessage", "OutboxStatus", "PaymentTerms", "Product", "Role", "RolePermission",
    "StoredDocument", "User", "WorkingCalendar", "user_role", "utcnow",
]
