"""The knowledge base's search over 10,000 entries, half Chinese: time and relevance.

``python -m bench.knowledge`` builds ``--entries`` entries (10,000 by default) in a fresh
store: a few dozen written answers (the ones a query expects, ``ANSWERS``) among filler
entries generated from word lists (products, models, problems, FAQ sentences) with the
printed seed, half in Chinese and half in English, the filler using the same words
as the answers so that they compete. Then it asks ``QUERIES`` (English, Chinese of two
characters and more, mixed, questions written as sentences) through
``Knowledge.search``, the function the page uses, each ``--repeat`` times, and prints
the median and the worst time against the target (under 50 ms) and the share of
queries whose expected entry is in the top 3 (the target: all of them).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from firmware.store.db import Store
from firmware.store.knowledge import Knowledge

TARGET_MS = 50.0
TOP = 3

# (key, category path, title, keywords, body): the entries the queries expect.
ANSWERS = (
    ("reset", "Network / Router", "How to reset the router to factory settings",
     "reset, factory settings, router",
     "Hold the reset button on the back of the router for ten seconds until the lights "
     "flash. The router restarts with its factory settings; set up the WiFi again."),
    ("refund", "Orders / Payment", "How to request a refund", "refund, money back",
     "Open the order, choose Request a refund and give the reason. The refund reaches the "
     "card you paid with within five working days."),
    ("invoice", "Orders / Payment", "Getting an invoice for your order", "invoice, receipt, VAT",
     "Invoices are issued for every paid order. Write your company name and tax number "
     "when you order; the invoice is sent by email."),
    ("forgot", "Account", "I forgot my account password", "password, forgot, sign in",
     "Choose Forgot password on the sign-in page and enter your phone number; a code "
     "arrives by text message. Set a new password with it."),
    ("wifi_en", "Network / WiFi", "Changing the WiFi password", "WiFi, wireless, password",
     "Sign in to the router's page at 192.168.1.1, open Wireless and type the new WiFi "
     "password. Devices connect again with the new password."),
    ("delivery", "Orders / Delivery", "How long does delivery take", "delivery, shipping time",
     "Orders leave the warehouse the next working day; delivery takes two to four days "
     "in the mainland."),
    ("warranty", "After sales", "What the warranty covers", "warranty, guarantee, repair",
     "The warranty covers faults in materials and making for two years from the day of "
     "purchase. Damage by water or a fall is not covered."),
    ("cancel", "Orders", "Cancelling an order", "cancel, order",
     "An order can be cancelled until it leaves the warehouse: open it and choose Cancel."),
    ("address_en", "Orders / Delivery", "Changing the delivery address",
     "address, shipping address",
     "Before the order ships, open it and edit the delivery address. After it ships, call "
     "us and we ask the courier."),
    ("voicemail", "Phone service", "Listening to voicemail", "voicemail, messages",
     "Dial 1 on your phone, or open Voicemail on the web page, to hear your messages."),
    ("firmware", "Network / Router", "Updating the router firmware", "firmware, update, upgrade",
     "The router looks for new firmware every night. To update now, open System and "
     "choose Update firmware; do not switch it off while it updates."),
    ("5g_en", "Network / Router", "Does the router support 5G?", "5G, band, WiFi",
     "Yes: the router sends on 2.4 GHz and 5 GHz and takes a 5G mobile SIM card."),
    ("tv", "TV", "Connecting the TV box", "TV, HDMI, set-top box",
     "Connect the TV box to the TV with the HDMI cable and to the router with the network "
     "cable, then switch it on."),
    ("hours_en", "Company", "Office opening hours", "opening hours, open, hours",
     "We are open Monday to Friday 9:00 to 18:00 and Saturday 10:00 to 16:00."),
    ("payment", "Orders / Payment", "Which payment methods are accepted",
     "payment, pay, card, Alipay, WeChat Pay",
     "We accept bank cards, Alipay and WeChat Pay, and bank transfer for companies."),
    ("return_en", "After sales", "Returning a product", "return, send back",
     "You may return a product within seven days of delivery. Pack it in its box and "
     "book the courier from the order page."),
    ("slow", "Network", "The internet is slow", "slow, speed, internet",
     "Restart the router, move it away from walls and microwaves, and test the speed "
     "with a cable. Call us if it stays slow."),
    ("refund_zh", "订单 / 支付", "如何申请退款", "退款, 退钱",
     "打开订单，选择申请退款并填写原因。退款会在五个工作日内退回原支付账户。"),
    ("invoice_zh", "订单 / 支付", "如何开具发票", "发票, 增值税, 开票",
     "每个已付款的订单都可以开具发票。下单时填写公司名称和税号，发票通过邮件发送。"),
    ("forgot_zh", "账户", "忘记账户密码怎么办", "忘记密码, 登录, 找回密码",
     "在登录页点击忘记密码，输入手机号码，收到验证码后设置新密码。"),
    ("warranty_zh", "售后", "保修范围说明", "保修, 维修, 质保",
     "产品自购买之日起保修两年，材料和做工问题免费维修。进水和摔坏不在保修范围内。"),
    ("logistics_zh", "订单 / 配送", "物流查询方法", "物流, 快递, 查询",
     "在订单页点击查看物流，可以看到快递公司和运单号，也可以在快递公司网站查询。"),
    ("reset_zh", "网络 / 路由器", "如何重置路由器", "重置, 恢复出厂设置, 路由器",
     "按住路由器背面的复位键十秒，指示灯闪烁后松开。路由器会恢复出厂设置，需要重新设置无线网络。"),
    ("return_zh", "售后", "退货流程", "退货, 寄回",
     "收货后七天内可以申请退货。请用原包装寄回，并在订单页预约快递上门取件。"),
    ("hours_zh", "公司", "营业时间", "营业时间, 上班时间",
     "周一至周五九点到十八点，周六十点到十六点营业，节假日另行通知。"),
    ("address_zh", "订单 / 配送", "修改收货地址", "地址, 收货地址",
     "订单发货前可以在订单页修改收货地址；发货后请致电客服联系快递。"),
    ("upgrade_zh", "网络 / 路由器", "路由器固件升级", "固件, 升级, 更新",
     "路由器每晚自动检查新固件。也可以在系统页面点击升级固件，升级时请勿断电。"),
    ("points_zh", "会员", "会员积分规则", "积分, 会员",
     "每消费一元积一分，积分可以在下单时抵扣现金，一百积分抵一元，有效期两年。"),
    ("voicemail_zh", "电话服务", "如何收听语音信箱", "语音信箱, 留言",
     "在电话上按1，或者在网页上打开语音信箱，即可收听留言。"),
    ("wifi_zh", "网络 / 无线", "修改WiFi密码", "WiFi, 无线, 密码",
     "登录路由器管理页面192.168.1.1，打开无线设置，输入新的WiFi密码并保存。"),
    ("refund_invoice", "订单 / 支付", "退款后的发票处理", "发票, 退款, refund, invoice",
     "申请退款时，已开具的发票需要作废或寄回，退款完成后不再开具发票。"),
    ("5g_zh", "网络 / 路由器", "路由器是否支持5G", "5G, 双频, 路由器",
     "支持。路由器支持2.4G和5G双频无线，并可插入5G手机卡上网。"),
    ("app_zh", "账户", "APP无法登录", "APP, 登录, 账号",
     "请先升级APP到最新版本，检查网络，再用手机号和验证码登录。"),
    ("vip_zh", "会员", "VIP会员权益", "VIP, 会员, 权益",
     "VIP会员享受免运费、优先发货和专属客服，每月还有会员优惠券。"),
)

# (query, key of the expected entry)
QUERIES = (
    ("reset router", "reset"),
    ("refund", "refund"),
    ("invoice", "invoice"),
    ("forgot password", "forgot"),
    ("wifi password", "wifi_en"),
    ("how long does delivery take", "delivery"),
    ("warranty", "warranty"),
    ("cancel order", "cancel"),
    ("change delivery address", "address_en"),
    ("voicemail", "voicemail"),
    ("firmware update", "firmware"),
    ("5G", "5g_en"),
    ("TV", "tv"),
    ("opening hours", "hours_en"),
    ("payment methods", "payment"),
    ("how do I return a product", "return_en"),
    ("internet slow", "slow"),
    ("退款", "refund_zh"),
    ("发票", "invoice_zh"),
    ("忘记密码", "forgot_zh"),
    ("保修", "warranty_zh"),
    ("物流", "logistics_zh"),
    ("重置路由器", "reset_zh"),
    ("退货", "return_zh"),
    ("营业时间", "hours_zh"),
    ("收货地址", "address_zh"),
    ("固件升级", "upgrade_zh"),
    ("积分", "points_zh"),
    ("怎么退款", "refund_zh"),
    ("如何开发票", "invoice_zh"),
    ("语音信箱", "voicemail_zh"),
    ("WiFi 密码", "wifi_zh"),
    ("WiFi密码", "wifi_zh"),
    ("发票 refund", "refund_invoice"),
    ("5G 路由器", "5g_zh"),
    ("APP 登录", "app_zh"),
    ("VIP会员", "vip_zh"),
    ("how do I change my wifi password", "wifi_en"),
    ("router factory reset", "reset"),
    ("when will I get my money back", "refund"),
    ("tax number invoice", "invoice"),
    ("路由器怎么恢复出厂设置", "reset_zh"),
    ("发票什么时候发", "invoice_zh"),
    ("会员积分怎么用", "points_zh"),
    ("快递到哪了 物流", "logistics_zh"),
)

_EN_PRODUCTS = ("router", "modem", "printer", "phone", "TV box", "camera", "tablet", "speaker",
                "charger", "headset", "switch", "access point", "smart plug", "doorbell")
_EN_PROBLEMS = ("does not turn on", "keeps restarting", "light is red", "makes a noise",
                "is hot", "screen is black", "cannot pair", "drops the connection",
                "shows error 502", "loses its settings", "battery drains fast",
                "sound is quiet", "is not recognised", "needs a new cable")
_EN_SENTENCES = (
    "Check that the {product} is plugged in and the power light is on.",
    "If the {product} still {problem}, restart it and wait two minutes.",
    "A refund or a return is possible within the warranty period.",
    "Keep your invoice: the repair centre asks for it.",
    "The delivery of spare parts takes a few days.",
    "Update the firmware from the settings page before you call us.",
    "Write down the serial number on the label under the {product}.",
    "Your password and your WiFi settings are kept when it restarts.",
    "Customers with an order number get help faster on the phone.",
    "The {product} {model} is covered for two years.",
    "Payment for repairs outside the warranty is by card or transfer.",
    "Open the app, choose the {product} and follow the steps shown.",
    "If nothing helps, send it back to us with a note of what happened.",
)
_ZH_PRODUCTS = ("路由器", "光猫", "打印机", "手机", "电视盒子", "摄像头", "平板", "音箱",
                "充电器", "耳机", "交换机", "智能插座", "门铃", "扫地机")
_ZH_PROBLEMS = ("无法开机", "反复重启", "指示灯红色", "有杂音", "发热严重", "黑屏",
                "无法配对", "经常断线", "显示错误502", "设置丢失", "耗电太快", "声音太小",
                "无法识别", "需要更换数据线")
_ZH_SENTENCES = (
    "请检查{product}是否插好电源，电源指示灯是否亮起。",
    "如果{product}仍然{problem}，请重启后等待两分钟。",
    "在保修期内可以申请维修、退货或退款。",
    "请保留好发票，维修中心需要查看。",
    "配件的物流配送需要几天时间。",
    "联系我们之前请先在设置页面升级固件。",
    "请记下{product}底部标签上的序列号。",
    "重启后密码和无线设置都会保留。",
    "提供订单号的客户可以在电话里更快得到帮助。",
    "{product}{model}享受两年保修服务。",
    "保修期外的维修费用可以刷卡或转账支付。",
    "打开APP，选择{product}，按照提示操作。",
    "如果仍然无法解决，请把产品寄回并附上问题说明。",
)
_EN_CATEGORIES = ("Devices", "Devices / Network", "Devices / Home", "Repairs", "Accessories")
_ZH_CATEGORIES = ("设备", "设备 / 网络", "设备 / 家居", "维修", "配件")


def _model(rng: random.Random) -> str:
    letters = "ABCDEFGHKLMNPRSTX"
    return f"{rng.choice(letters)}{rng.choice(letters)}-{rng.randint(100, 9999)}"


def _filler(rng: random.Random, chinese: bool) -> tuple[str, str, str, str]:
    products, problems, sentences, categories = (
        (_ZH_PRODUCTS, _ZH_PROBLEMS, _ZH_SENTENCES, _ZH_CATEGORIES) if chinese
        else (_EN_PRODUCTS, _EN_PROBLEMS, _EN_SENTENCES, _EN_CATEGORIES))
    product, problem, model = rng.choice(products), rng.choice(problems), _model(rng)
    if chinese:
        title = f"{product}{model}{problem}怎么办"
        keywords = f"{product}, {model}, {problem}"
        joiner = ""
    else:
        title = f"The {product} {model} {problem}"
        keywords = f"{product}, {model}"
        joiner = " "
    body = joiner.join(sentence.format(product=product, problem=problem, model=model)
                       for sentence in rng.sample(sentences, rng.randint(3, 6)))
    return title, rng.choice(categories), keywords, body


def build(store: Store, entries: int, seed: int) -> dict[str, int]:
    """Fill ``store`` with ``entries`` entries (see the module's text); the id of each
    expected entry by its key."""
    rng = random.Random(seed)
    knowledge = Knowledge(store)
    fillers = entries - len(ANSWERS)
    rows = [_filler(rng, index % 2 == 0) for index in range(fillers)]
    places = sorted(rng.sample(range(fillers + 1), len(ANSWERS)))
    for place, (_, path, title, keywords, body) in reversed(list(zip(places, ANSWERS,
                                                                    strict=True))):
        rows.insert(place, (title, path, keywords, body))
    knowledge.add_many(rows, by="bench", now=time.time())
    ids = {}
    for key, _, title, _, _ in ANSWERS:
        ids[key] = store.connection().execute(
            "SELECT id FROM knowledge_entries WHERE title = ?", (title,)).fetchone()[0]
    return ids


def measure(store: Store, ids: dict[str, int], repeat: int = 5
            ) -> list[tuple[str, float, int | None]]:
    """Each query's median time (ms) and the place of its expected entry (1-based, None
    when not in the first 20)."""
    knowledge = Knowledge(store)
    results = []
    for query, key in QUERIES:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            hits = knowledge.search(query)
            times.append((time.perf_counter() - started) * 1000)
        found = [hit.entry.id for hit in hits]
        place = found.index(ids[key]) + 1 if ids[key] in found else None
        results.append((query, statistics.median(times), place))
    return results


def _columns(text: str) -> int:
    """The width of ``text`` in a terminal, a Chinese character taking two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _padded(text: str, width: int) -> str:
    return text + " " * max(0, width - _columns(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.knowledge", description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="times each query is asked")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args(argv)
    print(f"knowledge base: {args.entries:,} entries (half Chinese), seed {args.seed}")
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite3")
        started = time.perf_counter()
        ids = build(store, args.entries, args.seed)
        print(f"built in {time.perf_counter() - started:.1f} s")
        results = measure(store, ids, args.repeat)
        store.close()
    width = max(_columns(query) for query, _ in QUERIES) + 2
    print(f"{_padded('query', width)} {'ms':>7}  place")
    for query, ms, place in results:
        print(f"{_padded(query, width)} {ms:7.2f}  {place if place else '-'}")
    times = [ms for _, ms, _ in results]
    top = sum(1 for _, _, place in results if place and place <= TOP)
    median, worst = statistics.median(times), max(times)
    print()
    print(f"{'measure':<28} {'result':>12}  {'target':>10}  verdict")
    print(f"{'median search':<28} {median:10.2f} ms  {'< 50 ms':>10}  "
          f"{'ok' if median < TARGET_MS else 'MISSED'}")
    print(f"{'worst search':<28} {worst:10.2f} ms  {'< 50 ms':>10}  "
          f"{'ok' if worst < TARGET_MS else 'MISSED'}")
    print(f"{'expected entry in top 3':<28} {top:>6} of {len(results):<3}  {'all':>10}  "
          f"{'ok' if top == len(results) else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
