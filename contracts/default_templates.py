"""The shipped wording of the three contract templates (version 1 of each mode), in Chinese and English.

Counsel reviews every template before it is used (BUSINESS_RULES.md §6); the law cited is the PRC Civil Code
(《中华人民共和国民法典》), never the repealed Contract Law. Every term that differs between contracts is a placeholder
filled from the contract's structured fields (contracts.clauses.PLACEHOLDERS).
"""

from __future__ import annotations

import datetime as dt

from portal.models import CooperationMode

EFFECTIVE_FROM = dt.date(2026, 1, 1)

OPERATOR = {
    "operator_name_zh": "招商平台运营有限公司",
    "operator_name_en": "Merchant Platform Operations Co., Ltd.",
    "operator_credit_code": "",
    "operator_address_zh": "",
    "operator_address_en": "",
}


def _clause(kind: str, heading_zh: str, heading_en: str, body_zh: str, body_en: str) -> dict:
    return {"kind": kind, "heading_zh": heading_zh, "heading_en": heading_en, "body_zh": body_zh, "body_en": body_en}


SCOPE = {
    CooperationMode.PLATFORM: _clause(
        "scope", "合作范围", "Scope of cooperation",
        "乙方以平台入驻方式在甲方平台开设店铺并自主经营，经营类目为：{categories}；销售区域为：{regions}；"
        "本合作为{exclusivity}合作。乙方超出上述类目或区域经营的，须事先取得甲方书面同意。",
        "Party B opens and runs its own shop on Party A's platform (platform entry). Categories: {categories}. "
        "Sales regions: {regions}. The cooperation is {exclusivity}. Selling outside these categories or regions "
        "needs Party A's prior written consent."),
    CooperationMode.JOINT: _clause(
        "scope", "合作范围", "Scope of cooperation",
        "双方以联营方式合作：乙方提供商品，双方共享库存、物流与售后服务，由甲方统一运营。联营类目为：{categories}；"
        "销售区域为：{regions}；本合作为{exclusivity}合作。",
        "The parties cooperate in joint operation: Party B supplies the goods, the parties share inventory, "
        "logistics and after-sales service, and Party A runs the operation. Categories: {categories}. Sales "
        "regions: {regions}. The cooperation is {exclusivity}."),
    CooperationMode.FRANCHISE: _clause(
        "scope", "特许经营范围", "Scope of the franchise",
        "甲方许可乙方在本合同期限内按甲方统一的品牌、服务与运营规范，使用甲方的品牌标识经营以下类目：{categories}；"
        "特许经营区域为：{regions}；本许可为{exclusivity}许可。乙方不得将特许经营权转让或再许可给任何第三方。",
        "Party A licenses Party B, for the term of this contract, to trade under Party A's brand in the following "
        "categories under Party A's unified brand, service and operating rules: {categories}. Franchise regions: "
        "{regions}. The licence is {exclusivity}. Party B may not assign or sub-license the franchise."),
}

NO_SAME_SKU = _clause(
    "no_same_sku", "同款商品限制", "No same SKU on competing platforms",
    "合同期内，乙方不得在与甲方平台存在竞争关系的其他电子商务平台销售与本合同项下相同的商品（同一SKU），"
    "乙方自有官方渠道除外。乙方违反本条的，甲方有权要求其限期下架，并按本合同违约责任条款追究责任。",
    "During the term, Party B shall not sell the same products as under this contract (the same SKU) on other "
    "e-commerce platforms that compete with Party A's platform, except Party B's own official channels. If Party "
    "B breaches this clause, Party A may require the listings to be removed within a set time and hold Party B "
    "liable under the clause on liquidated damages.")

FEES = _clause(
    "fees", "技术服务费与广告费", "Technical service fee and advertising fee",
    "乙方每年向甲方支付技术服务费{technical_service_fee}，于每个合同年度开始后15日内支付。"
    "乙方自愿购买平台推广服务的，按推广带来的销售额的{advertising_fee_percent}支付广告费，随结算扣除。",
    "Party B pays Party A an annual technical service fee of {technical_service_fee}, within 15 days after the "
    "start of each contract year. Where Party B buys promotion on the platform, it pays an advertising fee of "
    "{advertising_fee_percent} of the promoted sales, deducted in the settlement.")

COMMISSION = _clause(
    "commission", "佣金", "Commission",
    "甲方按类目费率向乙方收取佣金，佣金 =（成交额 − 退款额）× 适用费率。适用费率依下表确定：合同阶梯费率"
    "（如有）按上一结算周期的成交额确定档位，并适用于整个周期，取代类目基础费率；首发优惠、信用等级折扣与最低费率"
    "按甲方公布的佣金规则执行，每一费率的计算步骤列明于结算单。",
    "Party A charges Party B a commission at the category rate: commission = (GMV − refunds) × the applicable "
    "rate. The applicable rate follows the table below: the contract ladder (if any) picks its band by the "
    "previous settlement period's GMV and applies to the whole period in place of the category base rate; the "
    "launch offer, the credit-grade discount and the floor follow Party A's published commission rules, and each "
    "rate's steps are shown on the settlement statement.")

REVENUE_SHARE = _clause(
    "revenue_share", "联营分成", "Revenue share",
    "联营商品的销售收入由甲方统一收取。甲方按净销售额（销售额扣除退款）的{revenue_share_percent}取得分成，"
    "余额于结算时支付给乙方。该分成取代类目基础费率及阶梯费率。",
    "Party A collects the sales revenue of the jointly operated goods. Party A keeps {revenue_share_percent} of "
    "net sales (sales less refunds) as its share and pays the balance to Party B in the settlement. The share "
    "replaces the category base rate and the ladders.")

FRANCHISE_FEE = _clause(
    "franchise_fee", "特许经营费", "Franchise fee",
    "乙方应于本合同生效后15日内向甲方一次性支付特许经营费{franchise_fee}。特许经营费为品牌许可的对价，"
    "除本合同另有约定外不予退还；佣金按本合同佣金条款另行计收。",
    "Party B pays Party A a one-off franchise fee of {franchise_fee} within 15 days after this contract takes "
    "effect. The fee is the consideration for the brand licence and is not refundable unless this contract says "
    "otherwise; commission is charged separately under the commission clause.")

LIQUIDATED_DAMAGES = _clause(
    "liquidated_damages", "违约责任", "Liability for breach",
    "任何一方违反本合同约定的，应向守约方支付违约金，违约金为违约方违约前12个月在甲方平台成交额的"
    "{liquidated_damages_percent}，且不低于{liquidated_damages_minimum}。违约金不足以弥补守约方损失的，"
    "守约方有权依照《中华人民共和国民法典》第五百八十五条请求增加。",
    "A party that breaches this contract pays the other party liquidated damages of "
    "{liquidated_damages_percent} of the GMV on Party A's platform in the 12 months before the breach, and at "
    "least {liquidated_damages_minimum}. Where the damages fall short of the loss, the other party may ask for "
    "an increase under Article 585 of the Civil Code of the People's Republic of China.")

SETTLEMENT = _clause(
    "settlement", "结算、对账与发票", "Settlement, reconciliation and invoices",
    "双方按自然月结算。甲方于每个结算周期结束后出具结算单，乙方应在收到后5个工作日内核对确认，逾期未提出异议的"
    "视为确认。甲方于结算周期结束后第{settlement_days}日（T+{settlement_days}）内支付应付款项。"
    "双方应就各自收取的款项向对方开具合法有效的增值税发票。",
    "The parties settle by calendar month. After each settlement period Party A issues a statement; Party B "
    "checks and confirms it within 5 working days of receipt, and a statement not disputed in that time counts "
    "as confirmed. Party A pays the amounts due within {settlement_days} days after the period ends "
    "(T+{settlement_days}). Each party issues the other valid VAT invoices for the amounts it receives.")

DATA = _clause(
    "data", "数据权属与保护", "Data ownership and protection",
    "平台交易数据归甲方所有。乙方仅可为履行订单使用甲方提供的用户信息，用户信息以脱敏方式提供；乙方不得导出、"
    "复制、出售或向第三方提供平台数据，并应依照《中华人民共和国个人信息保护法》及《中华人民共和国民法典》"
    "人格权编的规定保护个人信息。",
    "Party A owns the platform's transaction data. Party B may use the user information Party A provides only to "
    "fulfil orders, and receives it masked; Party B shall not export, copy, sell or pass platform data to any "
    "third party, and protects personal information under the Personal Information Protection Law and the "
    "personality rights book of the Civil Code of the People's Republic of China.")

DEPOSIT = _clause(
    "deposit", "保证金", "Deposit",
    "乙方应向甲方缴存保证金{deposit_amount}，作为履行本合同的担保。乙方违约或产生应付未付款项的，甲方可从保证金中"
    "扣除相应金额并书面通知乙方，乙方应在收到通知后{deposit_top_up_days}日内补足。本合同终止且乙方无未结清款项的，"
    "甲方在{deposit_refund_working_days}个工作日内无息退还保证金余额。",
    "Party B lodges a deposit of {deposit_amount} with Party A as security for performing this contract. Where "
    "Party B breaches the contract or leaves an amount unpaid, Party A may deduct that amount from the deposit "
    "with written notice, and Party B tops the deposit up within {deposit_top_up_days} days of the notice. When "
    "this contract ends and Party B owes nothing, Party A refunds the balance within "
    "{deposit_refund_working_days} working days, without interest.")

DISPUTE_FREEZE = _clause(
    "dispute_freeze", "争议款项冻结", "Freezing disputed amounts",
    "因消费者投诉、退款或双方对结算有争议的款项，甲方可在争议解决前暂停支付相应金额。争议款项冻结期间不计入账期，"
    "争议解决后，甲方按解决结果在下一结算周期内支付或扣除。",
    "Amounts disputed through a consumer complaint, a refund or a disagreement over a settlement may be held "
    "back by Party A until the dispute is resolved. The time disputed money is frozen does not count toward the "
    "settlement period; once the dispute is resolved, Party A pays or deducts the amount in the next period.")

TERM = _clause(
    "term", "合同期限", "Term",
    "本合同期限为{term_months}个月，自双方完成签署之日起算。期满前，双方可依照甲方的续约评估结果协商续签；"
    "期满未续签的，本合同自动终止。",
    "This contract runs for {term_months} months from the day both parties have signed it. Before it ends, the "
    "parties may agree a renewal following Party A's renewal review; if it is not renewed, it ends on expiry.")

STRATEGIC = _clause(
    "strategic", "战略合作", "Strategic partnership",
    "乙方为甲方战略合作伙伴。本合同期限不少于3年（本合同为{term_years}年）；乙方承诺每个合同年度在甲方平台投入的"
    "营销费用不低于{min_annual_marketing}，未达到的，差额部分计入次一合同年度。",
    "Party B is a strategic partner of Party A. The term is at least 3 years (this contract: {term_years} "
    "years). Party B commits to spend at least {min_annual_marketing} on marketing on Party A's platform in each "
    "contract year; a shortfall is carried into the next contract year.")

GOVERNING_LAW = _clause(
    "governing_law", "法律适用与争议解决", "Governing law and disputes",
    "本合同的订立、效力、解释、履行及争议解决适用《中华人民共和国民法典》及中华人民共和国其他相关法律。"
    "因本合同产生的争议，双方应友好协商；协商不成的，任何一方可向甲方所在地有管辖权的人民法院提起诉讼。",
    "The making, validity, interpretation, performance and disputes of this contract are governed by the Civil "
    "Code of the People's Republic of China and the other laws of the People's Republic of China. The parties "
    "first seek to settle disputes amicably; failing that, either party may sue in the competent people's court "
    "where Party A is domiciled.")

OTHER = _clause(
    "other", "其他", "Miscellaneous",
    "本合同以中文和英文书就，两种文本如有不一致，以中文文本为准。本合同以电子方式签署，双方确认电子签署与书面签署"
    "具有同等法律效力。对本合同的任何变更须以双方签署的补充协议作出。",
    "This contract is written in Chinese and English; where the two differ, the Chinese text prevails. It is "
    "signed electronically, and the parties agree that the electronic signatures have the same legal effect as "
    "handwritten ones. Any change to this contract must be made in an amendment signed by both parties.")

_TITLES = {
    CooperationMode.PLATFORM: ("平台入驻合作协议", "Platform Entry Cooperation Agreement"),
    CooperationMode.JOINT: ("联营合作协议", "Joint Operation Agreement"),
    CooperationMode.FRANCHISE: ("特许经营合同", "Franchise Agreement"),
}

_PREAMBLE_ZH = ("甲方：{operator_name}\n乙方：{merchant_name}（统一社会信用代码：{merchant_credit_code}）\n"
                "甲乙双方依照《中华人民共和国民法典》及相关法律法规，本着平等自愿、诚实信用的原则，"
                "就乙方以{mode}方式与甲方合作事宜，经协商一致，订立本合同（合同编号：{contract_number}）。")
_PREAMBLE_EN = ("Party A: {operator_name}\nParty B: {merchant_name} (unified social credit code "
                "{merchant_credit_code})\nUnder the Civil Code of the People's Republic of China and the related "
                "laws and regulations, on the principles of equality, free will, honesty and good faith, the "
                "parties agree this contract (number {contract_number}) on Party B's cooperation with Party A in "
                "{mode}.")


def default_template(mode: str) -> dict:
    """The fields of the shipped template for `mode`, as `ContractTemplate(**fields)` takes them (clauses as a
    list of clause values)."""
    money_clause = {
        CooperationMode.PLATFORM: [COMMISSION],
        CooperationMode.JOINT: [REVENUE_SHARE],
        CooperationMode.FRANCHISE: [FRANCHISE_FEE, COMMISSION],
    }[mode]
    clauses = [SCOPE[mode], NO_SAME_SKU, FEES, *money_clause, SETTLEMENT, DEPOSIT, DISPUTE_FREEZE, DATA,
               LIQUIDATED_DAMAGES, TERM, STRATEGIC, GOVERNING_LAW, OTHER]
    title_zh, title_en = _TITLES[mode]
    return {"mode": mode, "effective_from": EFFECTIVE_FROM, "title_zh": title_zh, "title_en": title_en,
            "preamble_zh": _PREAMBLE_ZH, "preamble_en": _PREAMBLE_EN, **OPERATOR, "clauses": clauses}
