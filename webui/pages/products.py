"""Products: the list with stock and the low-stock warning, add and edit, stock adjustments.

Everyone with ``sales`` reads the list and a product's page; ``products`` (or
``admin``) adds and edits products and adjusts their stock (goods received, a
correction, each with a reason). Whether stock may go below zero is the
admin's choice. Every change is audited.
"""

from __future__ import annotations

import logging

from firmware.store.audit import structured_detail
from firmware.store.products import (
    CODE_LIMIT,
    NAME_LIMIT,
    REASON_LIMIT,
    UNIT_LIMIT,
    Product,
    Products,
)
from firmware.store.sales import SalesError, cents_text
from webui.context import Ctx
from webui.sales_words import first_problem, read_money, read_whole

SEARCH_LIMIT = 100
MOVES_SHOWN = 50
FIELD_LABELS = {"code": "Code", "name": "Product name", "unit": "Unit", "price": "Price",
                "low_stock": "Low-stock level", "stock": "Stock", "change": "Change in stock",
                "kind": "Kind", "reason": "Reason"}
log = logging.getLogger(__name__)


def may_read(ctx: Ctx) -> bool:
    return ctx.can("sales") or ctx.can("products") or ctx.can("admin")


def may_edit(ctx: Ctx) -> bool:
    return ctx.can("products") or ctx.can("admin")


def _need(ctx: Ctx, allowed: bool) -> None:
    if not allowed:
        ctx.fail(403, "You do not have permission for this.")


def low_stock_count(ctx: Ctx) -> int:
    """Products at or below their low-stock level (the menu's badge); 0 when the store
    cannot say (the badge never breaks a page)."""
    try:
        return Products(ctx.deps.store).low_count()
    except Exception as error:
        log.warning("low stock cannot be counted: %s", error)
        return 0


def _product_of(ctx: Ctx, product_id: int) -> Product:
    product = Products(ctx.deps.store).get(product_id)
    if product is None:
        ctx.fail(404, "Not found.")
    return product


def products_page(ctx: Ctx) -> str:
    _need(ctx, may_read(ctx))
    text = ctx.query("q")[:SEARCH_LIMIT]
    low_only = ctx.query("low") == "1"
    retired = ctx.query("retired") == "1"
    products = Products(ctx.deps.store)
    return ctx.render(
        "products.tpl", products=products.search(text, low_only=low_only, retired=retired),
        text=text, low_only=low_only, retired=retired, may_edit=may_edit(ctx),
        low_count=products.low_count(), allow_negative=products.allow_negative_stock(),
        notice=ctx.query("done"), money=cents_text)


# ---- add and edit ----------------------------------------------------------------------


def _typed(ctx: Ctx, product: Product | None) -> dict[str, str]:
    if ctx.request.method == "POST":
        return {"code": ctx.form("code")[: CODE_LIMIT * 2],
                "name": ctx.form("name")[: NAME_LIMIT * 2],
                "unit": ctx.form("unit")[: UNIT_LIMIT * 2],
                "price": ctx.form("price")[:40], "low_stock": ctx.form("low_stock")[:20],
                "stock": ctx.form("stock")[:20], "retired": ctx.form("retired")}
    if product is None:
        return {"code": "", "name": "", "unit": "", "price": "", "low_stock": "0",
                "stock": "0", "retired": ""}
    return {"code": product.code, "name": product.name, "unit": product.unit,
            "price": cents_text(product.price_cents, grouped=False),
            "low_stock": str(product.low_stock), "stock": str(product.stock),
            "retired": "yes" if product.retired else ""}


def _read(ctx: Ctx, typed: dict[str, str], new: bool) -> tuple[dict, int, dict[str, str]]:
    t = ctx.t
    problems: dict[str, str] = {}
    for key, limit in (("code", CODE_LIMIT), ("name", NAME_LIMIT), ("unit", UNIT_LIMIT)):
        if key != "unit" and not typed[key]:
            problems[key] = t("Fill this in.")
        elif len(typed[key]) > limit:
            problems[key] = t("At most {n} characters.", n=limit)
    price = read_money(t, typed["price"], "price", problems)
    low = read_whole(t, typed["low_stock"], "low_stock", problems)
    stock = read_whole(t, typed["stock"] or "0", "stock", problems) if new else 0
    fields = {"code": typed["code"], "name": typed["name"], "unit": typed["unit"],
              "price_cents": price, "low_stock": low, "retired": typed["retired"] == "yes"}
    return fields, stock or 0, problems


def _form(ctx: Ctx, product: Product | None, typed: dict, problems: dict,
          status: int = 200) -> str:
    ctx.response.status = status
    products = Products(ctx.deps.store)
    return ctx.render(
        "product.tpl", product=product, typed=typed, problems=problems,
        problem=first_problem(ctx.t, problems, FIELD_LABELS) if problems else "",
        may_edit=may_edit(ctx), moves=products.moves(product.id, MOVES_SHOWN) if product
        else [], limits={"code": CODE_LIMIT, "name": NAME_LIMIT, "unit": UNIT_LIMIT,
                         "reason": REASON_LIMIT},
        notice=ctx.query("done"), money=cents_text)


def new_product_page(ctx: Ctx) -> str:
    _need(ctx, may_edit(ctx))
    return _form(ctx, None, _typed(ctx, None), {})


def new_product_submit(ctx: Ctx) -> str:
    _need(ctx, may_edit(ctx))
    typed = _typed(ctx, None)
    fields, stock, problems = _read(ctx, typed, new=True)
    if problems:
        return _form(ctx, None, typed, problems, 400)
    try:
        product_id = Products(ctx.deps.store).create(fields, stock=stock, user_id=ctx.user.id)
    except SalesError as error:
        return _form(ctx, None, typed, {"code": ctx.t(error.template, **error.values)}, 409)
    ctx.audit("product_added", f"product {product_id}", structured_detail(
        code=fields["code"], name=fields["name"], unit=fields["unit"] or None,
        price=cents_text(fields["price_cents"]), low_stock=fields["low_stock"], stock=stock))
    ctx.redirect(f"/products/{product_id}?done=added")


def product_page(ctx: Ctx, product_id: int) -> str:
    _need(ctx, may_read(ctx))
    product = _product_of(ctx, product_id)
    return _form(ctx, product, _typed(ctx, product), {})


def product_submit(ctx: Ctx, product_id: int) -> str:
    _need(ctx, may_edit(ctx))
    product = _product_of(ctx, product_id)
    typed = _typed(ctx, product)
    fields, _, problems = _read(ctx, typed, new=False)
    if problems:
        return _form(ctx, product, typed, problems, 400)
    before = {"code": product.code, "name": product.name, "unit": product.unit,
              "price_cents": product.price_cents, "low_stock": product.low_stock,
              "retired": product.retired}
    try:
        Products(ctx.deps.store).update(product.id, fields)
    except SalesError as error:
        return _form(ctx, product, typed, {"code": ctx.t(error.template, **error.values)}, 409)
    changes = [("price" if key == "price_cents" else key,
                cents_text(before[key]) if key == "price_cents" else before[key],
                cents_text(fields[key]) if key == "price_cents" else fields[key])
               for key in before if before[key] != fields[key]]
    if changes:
        ctx.audit("product_changed", f"product {product.id}",
                  structured_detail(changes=changes))
    ctx.redirect(f"/products/{product.id}?done=saved")


# ---- stock -----------------------------------------------------------------------------


def stock_submit(ctx: Ctx, product_id: int) -> str:
    """Goods received (a number to add) or a correction (to add or take away), with why."""
    _need(ctx, may_edit(ctx))
    product = _product_of(ctx, product_id)
    t = ctx.t
    typed = {"kind": ctx.form("kind"), "change": ctx.form("change")[:20],
             "reason": ctx.form("reason")[: REASON_LIMIT * 2]}
    problems: dict[str, str] = {}
    if typed["kind"] not in ("received", "correction"):
        problems["kind"] = t("Choose goods received or a correction.")
    change = read_whole(t, typed["change"], "change", problems, least=-10**9)
    if not typed["reason"]:
        problems["reason"] = t("Write why the stock changes.")
    elif len(typed["reason"]) > REASON_LIMIT:
        problems["reason"] = t("At most {n} characters.", n=REASON_LIMIT)
    if not problems:
        try:
            after = Products(ctx.deps.store).adjust(product.id, change, typed["kind"],
                                                    typed["reason"], ctx.user.id)
        except SalesError as error:
            problems["change"] = t(error.template, **error.values)
    if problems:
        ctx.fail(400, "{field}: {problem}", field=t(FIELD_LABELS[next(iter(problems))]),
                 problem=next(iter(problems.values())))
    ctx.audit("stock_adjusted", f"product {product.id}", structured_detail(
        code=product.code, adjustment=typed["kind"], stock_change=change, stock=after,
        reason=typed["reason"]))
    ctx.redirect(f"/products/{product.id}?done=stock")


def settings_submit(ctx: Ctx) -> str:
    """Whether an order may take stock below zero (admins)."""
    allowed = ctx.form("allow_negative") == "yes"
    products = Products(ctx.deps.store)
    before = products.allow_negative_stock()
    if before != allowed:
        products.set_allow_negative_stock(allowed)
        ctx.audit("sales_settings_changed", "products",
                  structured_detail(changes=[("allow_negative_stock", before, allowed)]))
    ctx.redirect("/products?done=settings")
