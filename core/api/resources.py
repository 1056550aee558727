"""The core's API resources: tokens, me, customers, products, orders, tasks, plugins, modules, documents."""
from __future__ import annotations

from dataclasses import asdict

import marshmallow as ma
from flask import request, url_for
from flask.views import MethodView

from core import masterdata
from core.api import ApiBlueprint
from core.api.schemas import (
    AuditEntrySchema, CustomerPriceInputSchema, CustomerPriceSchema, CustomerSchema, MarkDeliveredSchema, MeSchema,
    ModuleSchema, ModuleUpdateSchema, OrderPageSchema, OrderQuerySchema, OrderSchema, PageArgsSchema, PluginSchema,
    ProductSchema, TaskPageSchema, TaskQuerySchema, TokenRequestSchema, TokenSchema, page_schema, response_schema,
)
from core.auth import services as auth_services
from core.auth.context import VIEW_PRICES, check, require_actor, requires
from core.db import get_scoped, page_of
from core.documents import order_document_response
from core.inbox import page_for as inbox_page
from core.keyset import Keyset, Kind
from core.models import Customer, Product, utcnow
from core.modules import module_states, set_enabled
from core.orders.actions import mark_delivered
from core.orders.queries import get_order, search_orders
from core.plugins import registry
from core.timeline import timeline

blp = ApiBlueprint("core_api", __name__, description="Core resources")


def public(view):
    """Mark an endpoint that needs no bearer token."""
    view.public = True
    return view


@blp.route("/tokens")
class Tokens(MethodView):
    @public
    @blp.doc(security=[])
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, data):
        """Exchange a username and password for a bearer token (needs ``account.tokens``)."""
        user = auth_services.authenticate(data["username"], data["password"], remote_addr=request.remote_addr)
        check(user, "account.tokens")  # the same right the Account page asks for
        plain, token = auth_services.create_token(user, data["name"])
        return {"token": plain, "name": token.name, "username": user.username}


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """The caller: user, company, roles and permissions."""
        return require_actor()


def _master_data_routes(model, schema, path: str, noun: str) -> None:
    """List, create, read and patch one kind of master data; one helper instead of two copies."""
    searched = ", ".join(masterdata.LOOKUP_COLUMNS[model])
    query_schema = type(f"{model.__name__}PageSchema", (PageArgsSchema,), {
        "q": ma.fields.String(validate=ma.validate.Length(max=masterdata.MAX_QUERY), metadata={
            "description": f"only the {noun}s whose {searched} contains this text, ignoring case"}),
    })
    patch_schema = type(f"{model.__name__}PatchSchema", (schema,), {})
    answer = response_schema(schema)  # its amounts are null for a caller who may not see prices
    list_schema = page_schema(answer, f"{model.__name__}ListSchema")
    by_code = Keyset(model.id, model.code, Kind.TEXT)

    class Collection(MethodView):
        @requires(f"{noun}.view")
        @blp.arguments(query_schema, location="query")
        @blp.response(200, list_schema)
        def get(self, args):
            actor = require_actor()
            return page_of(masterdata.matching(model, actor.company_id, args.get("q")), by_code,
                           page=args.get("page"), per_page=args["per_page"], cursor=args.get("cursor"))

        @requires(f"{noun}.manage")
        @blp.arguments(schema)
        @blp.response(201, answer)
        def post(self, data):
            actor = require_actor()
            return masterdata.create(model, company_id=actor.company_id, data=data, actor=actor)

    class Item(MethodView):
        @requires(f"{noun}.view")
        @blp.response(200, answer)
        def get(self, item_id):
            return get_scoped(model, require_actor().company_id, item_id, what=noun)

        @requires(f"{noun}.manage")
        @blp.arguments(patch_schema(partial=True))
        @blp.response(200, answer)
        def patch(self, data, item_id):
            actor = require_actor()
            row = get_scoped(model, actor.company_id, item_id, what=noun)
            return masterdata.update(row, data=data, actor=actor)

    Collection.get.__doc__ = f"List {noun}s, by code; ``q`` searches their {searched}; follow ``next`` for more."
    Collection.post.__doc__ = f"Create a {noun}."
    Item.get.__doc__ = f"One {noun}."
    Item.patch.__doc__ = f"Change some fields of a {noun}."
    blp.route(path, endpoint=f"{noun}s")(Collection)
    blp.route(f"{path}/<id:item_id>", endpoint=noun)(Item)


_master_data_routes(Customer, CustomerSchema, "/customers", "customer")
_master_data_routes(Product, ProductSchema, "/products", "product")


@blp.route("/customers/<id:item_id>/prices")
class CustomerPrices(MethodView):
    @requires("customer.manage")
    @blp.response(200, CustomerPriceSchema(many=True))
    def get(self, item_id):
        """The customer's price list: the prices agreed for each product, by product code (needs prices too)."""
        actor = require_actor()
        check(actor, VIEW_PRICES)
        return masterdata.price_list(get_scoped(Customer, actor.company_id, item_id, what="customer"))


@blp.route("/customers/<id:item_id>/prices/<id:product_id>")
class CustomerPriceItem(MethodView):
    @requires("customer.manage")
    @blp.arguments(CustomerPriceInputSchema)
    @blp.response(200, CustomerPriceSchema)
    def put(self, data, item_id, product_id):
        """Agree the customer's price of the product, or change it (not under the floor price)."""
        actor = require_actor()
        customer = get_scoped(Customer, actor.company_id, item_id, what="customer")
        return masterdata.set_price(customer, product_id, data["unit_price"], actor)

    @requires("customer.manage")
    @blp.response(204)
    def delete(self, item_id, product_id):
        """End the agreed price: the customer's lines of the product take the list price again."""
        actor = require_actor()
        masterdata.remove_price(get_scoped(Customer, actor.company_id, item_id, what="customer"), product_id, actor)


@blp.route("/orders")
class Orders(MethodView):
    @requires("order.view")
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, OrderPageSchema)
    def get(self, args):
        """List orders, newest first; filter by status, customer, number, requested date; follow ``next`` for more."""
        return search_orders(require_actor(), **args)


@blp.route("/orders/<id:order_id>")
class OrderItem(MethodView):
    @requires("order.view")
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """One order with its lines, totals and status."""
        return get_order(require_actor(), order_id)


@blp.route("/orders/<id:order_id>/mark-delivered")
class OrderMarkDelivered(MethodView):
    @requires("order.mark_delivered")
    @blp.arguments(MarkDeliveredSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """Record the customer's sign-off for an order whose modules do not include logistics."""
        actor = require_actor()
        return mark_delivered(get_order(actor, order_id), actor=actor, **data)


@blp.route("/orders/<id:order_id>/timeline")
class OrderTimeline(MethodView):
    @requires("order.view")
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, order_id):
        """The order's status history and audit entries, oldest first; a customer sees the customer-facing ones."""
        actor = require_actor()
        return timeline(get_order(actor, order_id), actor)


@blp.route("/orders/<id:order_id>/documents/<kind>")
class OrderDocument(MethodView):
    @requires("order.view")
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(304, description="Not Modified: the If-None-Match ETag is the stored document's")
    @blp.doc(responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, order_id, kind):
        """A PDF document of the order; ``kind`` is one the enabled plugins offer."""
        actor = require_actor()
        return order_document_response(get_order(actor, order_id), kind, actor)


@blp.route("/tasks")
class Tasks(MethodView):
    @requires(None)
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    def get(self, args):
        """The caller's inbox: a page of what waits for them, the most urgent first, with how many wait and how
        many are late."""
        now = utcnow()
        page = inbox_page(require_actor(), now, args["page"], args["per_page"])
        return {
            "items": [{**asdict(task), "late": task.is_late(now)} for task in page.tasks],
            "total": page.counts.total, "late": page.counts.late, "kinds": [asdict(kind) for kind in page.counts.kinds],
            "page": page.page, "per_page": page.per_page,
            "next": url_for("core_api.Tasks", page=page.page + 1, per_page=page.per_page) if page.has_next else None,
        }


@blp.route("/plugins")
class Plugins(MethodView):
    @requires(None)
    @blp.response(200, PluginSchema(many=True))
    def get(self):
        """Every installed plugin: name, version, stage, dependencies, hooks implemented."""
        reg = registry()
        return [
            {"name": m.name, "version": m.version, "stage": m.stage.value if m.stage else None,
             "depends": list(m.depends), "required": m.required, "hooks": reg.hooks_implemented(m.name)}
            for m in reg.manifests.values()
        ]


def _module_payload(state) -> dict:
    m = state.manifest
    return {"name": m.name, "stage": m.stage.value if m.stage else None, "enabled": state.enabled,
            "active": state.active, "required": m.required, "missing": list(state.missing)}


@blp.route("/modules")
class Modules(MethodView):
    @requires(None)
    @blp.response(200, ModuleSchema(many=True))
    def get(self):
        """The modules of the caller's company and whether each is on."""
        return [_module_payload(s) for s in module_states(require_actor().company_id)]


@blp.route("/modules/<name>")
class ModuleItem(MethodView):
    @requires("admin.modules")
    @blp.arguments(ModuleUpdateSchema)
    @blp.response(200, ModuleSchema)
    def put(self, data, name):
        """Switch a module on or off for the caller's company; orders in flight are not affected."""
        actor = require_actor()
        return _module_payload(set_enabled(actor.company, name, data["enabled"], actor=actor))
