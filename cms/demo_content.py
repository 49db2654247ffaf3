# ruff: noqa: E501  (Chinese text counts double towards the line length; this file is content data)
"""The demo site's pages in Chinese and English, with the defaults of the operator guide (§3.2, §4). Data only: `cms.demo` loads it.

Each page spec: the page class name, its slug, whether it shows in the menu, fields shared by both
languages ("common"), the Chinese and English fields, and its children. StreamField values are given in
Wagtail's stored form ({"type", "value"}), rich text as HTML. Policy figures are NOT written here: the
policy pages render them from the policy items.
"""

from __future__ import annotations

from typing import Any


def stream(block_type: str, *values: Any) -> list[dict[str, Any]]:
    return [{"type": block_type, "value": value} for value in values]


def fact(figure: str, label: str, source: str = "", editor_note: str = "") -> dict[str, str]:
    """A fact block; `editor_note` is seen in the admin only."""
    return {"figure": figure, "label": label, "source": source, "editor_note": editor_note}


def pair(figure: str, label: str) -> dict[str, str]:
    return {"figure": figure, "label": label}


def item(title: str, text: str = "") -> dict[str, str]:
    return {"title": title, "text": text}


def doc(name: str, note: str = "", required: bool = True) -> dict[str, Any]:
    return {"name": name, "note": note, "required": required}


def qa(question: str, answer: str) -> dict[str, str]:
    return {"question": question, "answer": answer}


def faq_section(heading: str, *questions: dict[str, str]) -> dict[str, Any]:
    return {"heading": heading, "questions": list(questions)}


HOME: dict[str, Any] = {
    "model": "HomePage",
    "slug": "home",
    "zh": {
        "title": "招商平台",
        "seo_title": "招商平台：商家入驻、招商政策与政策测算",
        "search_description": "了解入驻优惠、运营扶持与培训赋能政策，测算可享受的支持，在线申请入驻。",
        "hero_title": "入驻平台，共享电商增长机遇",
        "hero_text": "租金减免、税收返还、流量与物流扶持，从申请到结算全程在线办理。",
        "intro": "<p>我们为品牌商、工厂和服务商提供完整的<b>招商政策与支持体系</b>：入驻优惠政策包、运营扶持计划"
                 "和培训赋能体系。每一项政策的比例、上限和期限都以结构化数据发布，页面、政策测算和结算使用同一组数字。</p>",
        "facts": stream(
            "fact",
            fact("¥10万亿+", "2023年中国网络零售额突破10万亿元，约占社会消费品零售总额的25%，连续8年保持全球最大网络零售市场",
                 "行业公开数据", "发布前需核对官方来源"),
            fact("¥46万亿", "“十四五”电子商务发展规划提出的2025年电子商务交易额目标", "“十四五”电子商务发展规划"),
            fact("200+", "上线的产业带；工厂直供使加价率降低约30%", "行业公开数据", "发布前需核对官方来源"),
            fact("98%", "农村快递覆盖率；下沉市场用户约4.2亿", "行业公开数据", "发布前需核对官方来源"),
        ),
        "facts_note": "以上数据来自公开资料，仅供参考。招商信息不构成任何收益承诺。",
    },
    "en": {
        "title": "Merchant Recruitment",
        "seo_title": "Merchant recruitment: join the platform, investment policy and benefits calculator",
        "search_description": "Entry incentives, operations support and training for merchants; estimate your support "
                              "and apply online.",
        "hero_title": "Join the platform and grow with China's e-commerce",
        "hero_text": "Rent relief, tax rebates, traffic and logistics support. From application to settlement, "
                     "everything happens online.",
        "intro": "<p>Brands, factories and service providers get a complete <b>investment policy and support "
                 "system</b>: an entry incentives package, an operations support plan and a training programme. "
                 "Every rate, cap and duration is published as structured data, so these pages, the benefits "
                 "calculator and your settlements all use the same numbers.</p>",
        "facts": stream(
            "fact",
            fact("¥10 trillion+", "China's online retail sales passed ¥10 trillion in 2023, about 25% of total retail "
                 "sales; the largest online retail market for 8 years running",
                 "Public industry data", "Check the official source before publishing"),
            fact("¥46 trillion", "The 2025 e-commerce transaction target of the 14th Five-Year e-commerce plan",
                 "14th Five-Year e-commerce development plan"),
            fact("200+", "Industrial belts online; factory-direct supply cuts the markup by about 30%",
                 "Public industry data", "Check the official source before publishing"),
            fact("98%", "Rural express delivery coverage; about 420 million users in lower-tier markets",
                 "Public industry data", "Check the official source before publishing"),
        ),
        "facts_note": "Figures come from public sources and are for reference only. Nothing on this site promises a "
                      "return.",
    },
}

# Featured links on the home page: (path of slugs under home, Chinese title and text, English title and text).
FEATURED_LINKS: list[tuple[str, str, str, str, str]] = [
    ("apply", "立即申请入驻", "注册账号，在线提交资料，5个工作日内给出审核结论。",
     "Apply now", "Create an account and submit your documents online; a decision within 5 working days."),
    ("calculator", "测算可享政策", "输入租金、投资额、订单量等数据，估算可获得的支持。",
     "Estimate your support", "Enter your rent, investment and order volume to estimate the support you can get."),
    ("policies", "查看招商政策", "入驻优惠、运营扶持、培训赋能三大政策板块。",
     "Read the investment policy", "Entry incentives, operations support and training."),
    ("programme", "了解招商阶段", "启动期、成长期、爆发期、优化期的政策与目标。",
     "See the programme phases", "What each phase offers, from launch to optimisation."),
]

POLICY_INDEX: dict[str, Any] = {
    "model": "PolicyIndexPage",
    "slug": "policies",
    "menu": True,
    "zh": {
        "title": "招商政策",
        "search_description": "招商政策与支持体系：入驻优惠政策包、运营扶持计划、培训赋能体系。",
        "intro": "<p>招商政策由三大板块组成。每项政策的比例、上限、期限、申请条件和所需证明均以生效版本为准，"
                 "政策调整按“申请—评估—批准—实施—回顾”流程发布新版本。</p>",
    },
    "en": {
        "title": "Investment policy",
        "search_description": "The investment policy and support system: entry incentives, operations support "
                              "and training.",
        "intro": "<p>The policy package has three blocks. Each item's rate, cap, duration, eligibility and evidence "
                 "are those of the version in effect; changes go through apply, assess, approve, implement and "
                 "review, and take effect as a new version.</p>",
    },
    "children": [
        {
            "model": "PolicyPage",
            "slug": "entry-incentives",
            "common": {"block": "entry"},
            "zh": {
                "title": "入驻优惠政策包",
                "search_description": "租金减免、税收返还、装修补贴、设备补贴：新入驻企业的优惠政策。",
                "intro": "<p>面向新入驻企业的优惠：租用实体空间的企业享受租金减免，达到营收门槛的企业按地方税收贡献分档返还，"
                         "重资产项目（直播基地、智能仓储）可申请装修和设备补贴。</p>",
                "body": stream("paragraph", "<p>补贴须凭合同、发票等证明材料申请，经审核后发放；具体金额以审核结果为准。"
                                            "可使用政策测算工具估算可享受的支持。</p>"),
            },
            "en": {
                "title": "Entry incentives",
                "search_description": "Rent relief, tax rebates, renovation and equipment subsidies for new firms.",
                "intro": "<p>Incentives for firms that join: rent relief for firms that rent physical space, a tax "
                         "rebate by band for firms above the revenue threshold, and renovation and equipment "
                         "subsidies for heavy-asset projects such as live-streaming bases and smart warehouses.</p>",
                "body": stream("paragraph", "<p>Subsidies are paid against contracts, invoices and other evidence "
                                            "after review; the amount is the one the review confirms. Use the "
                                            "benefits calculator for an estimate.</p>"),
            },
        },
        {
            "model": "PolicyPage",
            "slug": "operations-support",
            "common": {"block": "operations"},
            "zh": {
                "title": "运营扶持计划",
                "search_description": "流量扶持、物流补贴、免费数字化工具、品牌孵化基金。",
                "intro": "<p>帮助商家在平台上站稳脚跟：新商家和潜力商家获得首页推荐位与搜索权重，使用指定物流服务商的订单"
                         "享受物流补贴，新商家免费使用ERP与数据分析工具，获得区域品牌认证的企业可申请品牌孵化基金。</p>",
            },
            "en": {
                "title": "Operations support",
                "search_description": "Traffic support, logistics subsidy, free digital tools and the brand "
                                      "incubation fund.",
                "intro": "<p>Help to get established on the platform: homepage slots and search weight for new and "
                         "potential merchants, a per-order logistics subsidy with the designated provider, free ERP "
                         "and analytics tools for new merchants, and a brand incubation fund for regionally "
                         "certified brands.</p>",
            },
        },
        {
            "model": "PolicyPage",
            "slug": "training",
            "common": {"block": "training"},
            "zh": {
                "title": "培训赋能体系",
                "search_description": "月度工作坊、一对一诊断、直播运营师与跨境电商操盘手认证培训、高管研修班。",
                "intro": "<p>每月开展专题工作坊，每年为不少于300家企业提供一对一诊断；员工通过直播运营师、跨境电商操盘手"
                         "等认证后可报销培训费用；核心管理层可参加高校战略课程。</p>",
            },
            "en": {
                "title": "Training and enablement",
                "search_description": "Monthly workshops, one-to-one diagnosis, certification training for "
                                      "live-stream and cross-border operators, executive classes.",
                "intro": "<p>Monthly workshops and one-to-one diagnosis for at least 300 firms a year; staff who "
                         "pass a certification such as live-stream operator or cross-border e-commerce operator "
                         "get their training fees reimbursed; core management can join university strategy "
                         "courses.</p>",
            },
        },
    ],
}

PROGRAMME: dict[str, Any] = {
    "model": "ProgrammeIndexPage",
    "slug": "programme",
    "menu": True,
    "zh": {
        "title": "招商阶段",
        "search_description": "启动期、成长期、爆发期、优化期：各阶段的入驻政策与招商目标。",
        "intro": "<p>招商计划分四个阶段，从平台上线日起按月计算。所处阶段决定入驻费减免、优惠资格和招商目标。</p>",
    },
    "en": {
        "title": "Programme",
        "search_description": "Launch, growth, expansion and optimisation: what each recruitment phase offers and "
                              "targets.",
        "intro": "<p>The recruitment programme runs in four phases, counted in months from the launch date. The "
                 "phase decides fee waivers, which offers apply and the recruitment targets.</p>",
    },
    "children": [
        {
            "model": "ProgrammePhasePage",
            "slug": "launch",
            "common": {"phase": "launch", "start_month": 0, "end_month": 6},
            "zh": {
                "title": "启动期",
                "search_description": "启动期（第0–6个月）：免入驻费，前3个月佣金减半。",
                "summary": "平台上线后的前6个月，以优惠吸引首批优质商家入驻。",
                "offers": stream(
                    "offer",
                    item("免入驻费", "启动期内签约的合同免收入驻费。"),
                    item("前3个月佣金减半", "合同生效后的前3个月，佣金按50%计收；仅适用于启动期内签约的合同。"),
                    item("首月首页推荐位", "新商家激活后30天内获得首页推荐位。"),
                ),
                "targets": stream("target", pair("200家", "入驻商家"), pair("10万", "上架SKU")),
            },
            "en": {
                "title": "Launch",
                "search_description": "Launch phase (months 0–6): no entry fee and half commission for the first "
                                      "3 months.",
                "summary": "The first six months after launch: offers that bring in the first quality merchants.",
                "offers": stream(
                    "offer",
                    item("No entry fee", "Contracts signed during the launch phase pay no entry fee."),
                    item("Commission halved for the first 3 months",
                         "For the first 3 months after the contract becomes active, commission is charged at 50%; "
                         "only for contracts signed during the launch phase."),
                    item("First-month homepage slot", "New merchants get a homepage slot for 30 days from "
                                                      "activation."),
                ),
                "targets": stream("target", pair("200", "merchants"), pair("100,000", "SKUs listed")),
            },
        },
        {
            "model": "ProgrammePhasePage",
            "slug": "growth",
            "common": {"phase": "growth", "start_month": 6, "end_month": 18},
            "zh": {
                "title": "成长期",
                "search_description": "成长期（第6–18个月）：千帆计划、专项招商小组、商家分级。",
                "summary": "扩充品类与品牌，建立专项招商小组和商家分级体系。",
                "offers": stream(
                    "offer",
                    item("千帆计划", "面向中小品牌的成长扶持计划，提供流量、培训与运营指导。"),
                    item("专项招商小组", "按类目组建招商小组，专人对接商家的入驻与审核。"),
                    item("商家分级", "按核心商家、潜力商家、战略合作伙伴分级，匹配相应的政策与资源。"),
                ),
                "targets": stream("target", pair("60%", "各类目TOP50品牌的入驻覆盖率")),
            },
            "en": {
                "title": "Growth",
                "search_description": "Growth phase (months 6–18): the Thousand Sails plan, category squads and "
                                      "merchant grading.",
                "summary": "Broaden categories and brands; category squads and merchant grading take shape.",
                "offers": stream(
                    "offer",
                    item("Thousand Sails plan", "Growth support for small and medium brands: traffic, training and "
                                                "operations coaching."),
                    item("Category squads", "A recruitment squad per category handles each merchant's joining and "
                                            "review."),
                    item("Merchant grading", "Core, potential and strategic merchants, each matched with its "
                                             "policies and resources."),
                ),
                "targets": stream("target", pair("60%", "of each category's TOP50 brands on the platform")),
            },
        },
        {
            "model": "ProgrammePhasePage",
            "slug": "expansion",
            "common": {"phase": "expansion", "start_month": 18, "end_month": 36},
            "zh": {
                "title": "爆发期",
                "search_description": "爆发期（第18–36个月）：全球供应链招商，多语言支持，跨境商品占比35%。",
                "summary": "引入全球货源，平台提供简体中文和英文多语言支持。",
                "offers": stream(
                    "offer",
                    item("全球供应链招商", "面向海外品牌与跨境商家招商，提供进出口资质辅导。"),
                    item("多语言支持", "平台与招商资料先后支持简体中文和英文。"),
                ),
                "targets": stream("target", pair("35%", "跨境商品占比")),
            },
            "en": {
                "title": "Expansion",
                "search_description": "Expansion phase (months 18–36): global sourcing, multilingual support, "
                                      "cross-border goods at 35%.",
                "summary": "Global sourcing comes in, with the platform in Simplified Chinese and then English.",
                "offers": stream(
                    "offer",
                    item("Global sourcing", "Recruitment of overseas brands and cross-border merchants, with "
                                            "guidance on import and export qualifications."),
                    item("Multilingual support", "The platform and recruitment material in Simplified Chinese, then "
                                                 "English."),
                ),
                "targets": stream("target", pair("35%", "share of cross-border goods")),
            },
        },
        {
            "model": "ProgrammePhasePage",
            "slug": "optimisation",
            "common": {"phase": "optimisation", "start_month": 36, "end_month": None},
            "zh": {
                "title": "优化期",
                "search_description": "优化期（第36个月起）：动态准入，尾部商家评估，续约须GMV同比增长≥15%且满意度≥4.8。",
                "summary": "实行动态准入与尾部商家评估，保持商家结构的活力。",
                "offers": stream(
                    "offer",
                    item("动态准入", "按信用评级和经营表现动态调整准入与资源。"),
                    item("尾部商家评估", "每年对评分排名后10%的商家进行评估，提名不续约。"),
                    item("续约标准", "续约须满足GMV同比增长不低于15%，且满意度不低于4.8分（5分制）。"),
                ),
                "targets": stream("target", pair("30%", "每年商家更新比例"), pair("≥15%", "续约所需GMV同比增长"),
                                  pair("≥4.8", "续约所需满意度（5分制）")),
            },
            "en": {
                "title": "Optimisation",
                "search_description": "Optimisation phase (from month 36): dynamic admission, tail review; renewal "
                                      "needs GMV YoY ≥ 15% and satisfaction ≥ 4.8.",
                "summary": "Dynamic admission and a yearly tail review keep the merchant base fresh.",
                "offers": stream(
                    "offer",
                    item("Dynamic admission", "Admission and resources follow each merchant's credit rating and "
                                              "performance."),
                    item("Tail review", "Each year the bottom 10% by score are reviewed and may be nominated for "
                                        "non-renewal."),
                    item("Renewal standard", "Renewal needs GMV growth of at least 15% year on year and satisfaction "
                                             "of at least 4.8 out of 5."),
                ),
                "targets": stream("target", pair("30%", "of merchants refreshed each year"),
                                  pair("≥ 15%", "GMV growth year on year for renewal"),
                                  pair("≥ 4.8", "satisfaction (out of 5) for renewal")),
            },
        },
    ],
}

COOPERATION: dict[str, Any] = {
    "model": "CooperationModeIndexPage",
    "slug": "cooperation-modes",
    "menu": True,
    "zh": {
        "title": "合作模式",
        "search_description": "平台入驻、联营、特许加盟三种合作模式的对比。",
        "intro": "<p>根据经营能力和资源选择合作模式。每种模式对应一份合同模板，费用和结算方式写入合同。</p>",
    },
    "en": {
        "title": "Cooperation modes",
        "search_description": "Platform entry, joint operation and franchise compared.",
        "intro": "<p>Choose the mode that fits your capabilities and resources. Each mode has its own contract "
                 "template, which sets the fees and how you are settled.</p>",
    },
    "children": [
        {
            "model": "CooperationModePage",
            "slug": "platform-entry",
            "common": {"mode": "platform"},
            "zh": {
                "title": "平台入驻",
                "search_description": "平台入驻：商家自主经营店铺，平台收取技术服务费和佣金。",
                "summary": "商家在平台开设并自主经营店铺。",
                "merchant_does": "<p>自主经营店铺：商品、定价、库存、发货与售后由商家负责。</p>",
                "platform_takes": "<p>技术服务费和按类目计算的佣金（5%–15%）。</p>",
                "fees_text": "<ul><li>入驻费：启动期内签约免收</li><li>年度技术服务费：按合同约定</li>"
                             "<li>佣金：按类目5%–15%，可按销售规模阶梯调整</li><li>保证金：按商家等级2万–10万元</li></ul>",
                "suited_to": "有成熟运营团队、希望掌控店铺经营的品牌商和工厂。",
            },
            "en": {
                "title": "Platform entry",
                "search_description": "Platform entry: you run your own shop; the platform takes a service fee and "
                                      "commission.",
                "summary": "You open and run your own shop on the platform.",
                "merchant_does": "<p>Runs its own shop: products, prices, stock, shipping and after-sales.</p>",
                "platform_takes": "<p>A technical service fee and commission by category (5–15%).</p>",
                "fees_text": "<ul><li>Entry fee: waived for contracts signed in the launch phase</li>"
                             "<li>Annual technical service fee: as the contract sets</li>"
                             "<li>Commission: 5–15% by category, with volume ladders</li>"
                             "<li>Deposit: ¥20,000–100,000 by merchant grade</li></ul>",
                "suited_to": "Brands and factories with an experienced operations team that want to run their own "
                             "shop.",
            },
        },
        {
            "model": "CooperationModePage",
            "slug": "joint-operation",
            "common": {"mode": "joint"},
            "zh": {
                "title": "联营",
                "search_description": "联营：商家与平台共享库存、物流和售后，平台按销售额比例分成。",
                "summary": "商家与平台共享库存、物流和售后服务。",
                "merchant_does": "<p>提供商品并与平台共享库存、物流和售后资源。</p>",
                "platform_takes": "<p>按净销售额的约定比例分成，替代类目佣金。</p>",
                "fees_text": "<p>分成比例写入联营合同；保证金按商家等级缴纳。启动期佣金优惠和信用折扣是否适用以合同约定为准。</p>",
                "suited_to": "希望借助平台仓配和售后能力、专注于商品本身的供应商。",
            },
            "en": {
                "title": "Joint operation",
                "search_description": "Joint operation: inventory, logistics and after-sales shared; the platform "
                                      "takes a share of sales.",
                "summary": "You and the platform share inventory, logistics and after-sales.",
                "merchant_does": "<p>Supplies the goods and shares inventory, logistics and after-sales with the "
                                 "platform.</p>",
                "platform_takes": "<p>A revenue share: an agreed percentage of net sales, instead of the category "
                                  "commission.</p>",
                "fees_text": "<p>The revenue share is set in the joint-operation contract; the deposit follows the "
                             "merchant grade. Whether the launch offer and credit discounts apply is up to the "
                             "contract.</p>",
                "suited_to": "Suppliers who want to use the platform's warehousing and after-sales and focus on "
                             "their products.",
            },
        },
        {
            "model": "CooperationModePage",
            "slug": "franchise",
            "common": {"mode": "franchise"},
            "zh": {
                "title": "特许加盟",
                "search_description": "特许加盟：使用品牌授权，统一规范经营，平台收取加盟费及约定佣金。",
                "summary": "在统一规范下使用平台品牌授权经营。",
                "merchant_does": "<p>按统一的品牌、服务和运营规范经营，使用品牌授权。</p>",
                "platform_takes": "<p>加盟费，以及合同约定的佣金。</p>",
                "fees_text": "<p>加盟费按合同约定；激活后不予退还。保证金按商家等级缴纳。</p>",
                "suited_to": "希望借助成熟品牌和标准化运营快速起步的经营者。",
            },
            "en": {
                "title": "Franchise",
                "search_description": "Franchise: operate under the brand licence and unified rules; the platform "
                                      "takes a franchise fee and any contracted commission.",
                "summary": "You operate under the platform's brand licence and unified rules.",
                "merchant_does": "<p>Uses the brand licence and follows unified brand, service and operations "
                                 "rules.</p>",
                "platform_takes": "<p>A franchise fee, plus any commission the contract sets.</p>",
                "fees_text": "<p>The franchise fee is set per contract and is not refundable once active. The "
                             "deposit follows the merchant grade.</p>",
                "suited_to": "Operators who want a quick start with an established brand and standard operations.",
            },
        },
    ],
}

CASES: dict[str, Any] = {
    "model": "CaseStudyIndexPage",
    "slug": "case-studies",
    "menu": True,
    "zh": {
        "title": "成功案例",
        "search_description": "示例案例：商家如何使用招商政策起步和成长。",
        "intro": "<p>以下为<b>示例案例</b>：企业名称和数据均为虚构，用于说明政策如何组合使用，不代表收益承诺。"
                 "真实商家案例须经商家同意并完成事实与商标核查后发布。</p>",
    },
    "en": {
        "title": "Case studies",
        "search_description": "Illustrative cases: how merchants can use the policy package to start and grow.",
        "intro": "<p>These are <b>illustrative examples</b>: the companies and figures are fictional and show how "
                 "the policies combine; they promise no returns. Real merchants' stories are published only with "
                 "their consent and after a fact and trademark check.</p>",
    },
    "children": [
        {
            "model": "CaseStudyPage",
            "slug": "mountain-fresh",
            "common": {"category_code": "fresh", "is_illustrative": True},
            "zh": {
                "title": "生鲜商家：冷链与物流补贴助力起步",
                "company": "山野鲜生（示例）",
                "summary": "一家产地直供的生鲜企业，在启动期入驻，利用冷链设备补贴和物流补贴降低履约成本。",
                "quote": "设备补贴和每单物流补贴让我们能把更多精力放在货品品质上。",
                "quote_by": "示例企业负责人",
                "results": stream("result", pair("15%", "冷链设备投资获得补贴"), pair("¥1/单", "生鲜订单物流补贴"),
                                  pair("0元", "启动期入驻费")),
            },
            "en": {
                "title": "Fresh food: cold-chain and logistics subsidies for a quick start",
                "company": "Mountain Fresh (illustrative)",
                "summary": "A farm-direct fresh-food firm joins in the launch phase and uses the cold-chain equipment "
                           "and logistics subsidies to cut fulfilment costs.",
                "quote": "The equipment subsidy and the per-order logistics subsidy let us focus on the quality of "
                         "our produce.",
                "quote_by": "Head of the example company",
                "results": stream("result", pair("15%", "of cold-chain investment subsidised"),
                                  pair("¥1/order", "logistics subsidy on fresh orders"),
                                  pair("¥0", "entry fee in the launch phase")),
            },
        },
        {
            "model": "CaseStudyPage",
            "slug": "kids-planet",
            "common": {"category_code": "mother_baby", "is_illustrative": True},
            "zh": {
                "title": "母婴品牌：培训认证与流量扶持",
                "company": "童趣星球（示例）",
                "summary": "一家原创设计的母婴品牌，作为潜力商家获得流量扶持，团队通过直播运营师认证并报销培训费用。",
                "quote": "一对一诊断帮我们找准了定位，直播团队也拿到了认证。",
                "quote_by": "示例企业运营总监",
                "results": stream("result", pair("80%", "认证培训费用报销"), pair("3名", "员工通过直播运营师认证")),
            },
            "en": {
                "title": "Mother and baby brand: certified training and traffic support",
                "company": "Kids Planet (illustrative)",
                "summary": "An original-design mother-and-baby brand gets traffic support as a potential merchant; "
                           "its team passes the live-stream operator certification and is reimbursed for the "
                           "training.",
                "quote": "The one-to-one diagnosis sharpened our positioning, and our live-stream team is now "
                         "certified.",
                "quote_by": "Operations director of the example company",
                "results": stream("result", pair("80%", "of certification fees reimbursed"),
                                  pair("3", "staff certified as live-stream operators")),
            },
        },
        {
            "model": "CaseStudyPage",
            "slug": "geek-workshop",
            "common": {"category_code": "3c", "is_illustrative": True},
            "zh": {
                "title": "3C数码：从平台入驻到跨境销售",
                "company": "极客工坊（示例）",
                "summary": "一家3C配件工厂以平台入驻模式开店，在爆发期借助全球供应链招商拓展跨境业务。",
                "quote": "按类目计算的佣金和阶梯费率让我们的成本清晰可预期。",
                "quote_by": "示例企业创始人",
                "results": stream("result", pair("5%", "3C类目基础佣金"), pair("A级", "信用评级，佣金再降10%")),
            },
            "en": {
                "title": "3C electronics: from platform entry to cross-border sales",
                "company": "Geek Workshop (illustrative)",
                "summary": "A 3C accessories factory opens its shop in platform-entry mode and, in the expansion "
                           "phase, uses global sourcing to sell cross-border.",
                "quote": "Commission by category and the volume ladder make our costs clear and predictable.",
                "quote_by": "Founder of the example company",
                "results": stream("result", pair("5%", "base commission in 3C"),
                                  pair("Grade A", "credit rating: commission a further 10% lower")),
            },
        },
    ],
}

FAQ: dict[str, Any] = {
    "model": "FaqPage",
    "slug": "faq",
    "menu": True,
    "zh": {
        "title": "常见问题",
        "search_description": "入驻资料、审核时间、保证金、佣金、结算与退款等常见问题。",
        "intro": "<p>关于入驻、费用和结算的常见问题。以下数字为当前默认规则，以合同约定为准。</p>",
        "body": stream(
            "section",
            faq_section(
                "入驻与审核",
                qa("入驻需要准备哪些资料？",
                   "<p>营业执照（含18位统一社会信用代码）、需要时的生产许可证、质量认证（如ISO 9001）、商标注册证、"
                   "完整的品牌授权书链条，以及近三年无重大质量事故声明。跨境商家还需提供海关信用评级和进出口资质。</p>"),
                qa("审核需要多长时间？",
                   "<p>提交后24小时内会有招商专员联系您；资料齐全后，<b>5个工作日</b>内给出审核结论。"
                   "审核期间如需补充资料，计时暂停，补充后继续。</p>"),
                qa("有哪些合作模式？",
                   "<p>平台入驻（自主经营店铺，平台收取技术服务费和佣金）、联营（共享库存、物流和售后，按销售额分成）"
                   "和特许加盟（使用品牌授权，收取加盟费及约定佣金）。</p>"),
                qa("申请被驳回后多久可以重新申请？",
                   "<p>驳回后<b>90天</b>可重新申请。收到补充资料要求后30天未回复的申请将自动撤回。</p>"),
            ),
            faq_section(
                "费用与保证金",
                qa("保证金是多少？",
                   "<p>保证金按商家等级为<b>2万元至10万元</b>：A级2万元、B级4万元、C级6万元、D级8万元、E级10万元。"
                   "未评级商家按C级缴纳。</p>"),
                qa("佣金比例是多少？",
                   "<p>佣金按类目为<b>5%–15%</b>，可按销售规模阶梯调整。启动期签约的合同在生效后前3个月佣金减半；"
                   "信用评级A级再降10%，B级再降5%；最低不低于1%。</p>"),
                qa("启动期有哪些优惠？",
                   "<p>平台上线后前6个月为启动期：签约免收入驻费，合同生效后前3个月佣金减半，新商家首月获得首页推荐位。</p>"),
                qa("保证金什么时候退还？",
                   "<p>合同终止后<b>30个工作日内无息退还</b>：退还金额为已缴金额扣除违约扣款和争议冻结款项，"
                   "争议解决后冻结款项再行退还。</p>"),
            ),
            faq_section(
                "结算与服务",
                qa("货款如何结算？",
                   "<p>按周出具结算单（周一至周日），商家在3天内确认或提出异议；货款在结算周期结束后<b>15个自然日</b>内支付"
                   "（T+15）。争议冻结期间不计入账期。</p>"),
                qa("信用评级如何影响我？",
                   "<p>平台按履约率、准时发货、退货率、投诉率和满意度每晚计算评分。A级（≥90分）佣金降10%，B级（80–89分）"
                   "降5%；评分低于80分将进入季度复审。</p>"),
                qa("遇到问题如何联系平台？",
                   "<p>提交服务工单后24小时内响应，复杂问题48小时内解决；投诉24小时内响应、72小时内处理。</p>"),
            ),
        ),
    },
    "en": {
        "title": "FAQ",
        "search_description": "Documents, review time, deposit, commission, settlement and refunds: common "
                              "questions.",
        "intro": "<p>Common questions about joining, fees and settlement. The numbers are the current default rules; "
                 "your contract is what applies.</p>",
        "body": stream(
            "section",
            faq_section(
                "Joining and review",
                qa("Which documents do I need to apply?",
                   "<p>Your business licence (with the 18-character unified social credit code), a production "
                   "licence where your category needs one, quality certificates such as ISO 9001, trademark "
                   "registration certificates, the full brand authorisation chain, and a declaration of no major "
                   "quality incident in the last 3 years. Cross-border merchants add their customs credit rating and "
                   "import/export qualifications.</p>"),
                qa("How long does the review take?",
                   "<p>A recruiter contacts you within 24 hours of submission; once your documents are complete you "
                   "get a decision within <b>5 working days</b>. If we ask for more information, the clock pauses "
                   "until you answer.</p>"),
                qa("Which cooperation modes are there?",
                   "<p>Platform entry (you run your own shop; the platform takes a service fee and commission), "
                   "joint operation (shared inventory, logistics and after-sales; a share of sales) and franchise "
                   "(the brand licence; a franchise fee plus any contracted commission).</p>"),
                qa("How soon can I apply again after a rejection?",
                   "<p>After <b>90 days</b>. An application whose information request goes unanswered for 30 days "
                   "is withdrawn automatically.</p>"),
            ),
            faq_section(
                "Fees and deposit",
                qa("How much is the deposit?",
                   "<p>The deposit depends on the merchant grade, from <b>¥20,000 to ¥100,000</b>: grade A ¥20,000, "
                   "B ¥40,000, C ¥60,000, D ¥80,000, E ¥100,000. Merchants without a rating pay grade C.</p>"),
                qa("What is the commission rate?",
                   "<p>Commission is <b>5–15%</b> by category, with volume ladders. Contracts signed in the launch "
                   "phase pay half commission for the first 3 months after they become active; credit grade A takes "
                   "a further 10% off and grade B 5%; the rate never goes below 1%.</p>"),
                qa("What does the launch phase offer?",
                   "<p>The first 6 months after launch: no entry fee for contracts signed then, half commission for "
                   "the first 3 months of the contract, and a homepage slot in a new merchant's first month.</p>"),
                qa("When is the deposit refunded?",
                   "<p>Within <b>30 working days</b> of the end of the contract, without interest: what you paid less "
                   "deductions and amounts frozen in open disputes, which follow when the dispute closes.</p>"),
            ),
            faq_section(
                "Settlement and service",
                qa("How am I paid?",
                   "<p>A weekly statement (Monday to Sunday) that you confirm or dispute within 3 days; the payout is "
                   "due <b>15 calendar days</b> after the period ends (T+15). Days an amount is frozen in a dispute "
                   "do not count.</p>"),
                qa("How does the credit rating affect me?",
                   "<p>A score computed nightly from fulfilment, on-time delivery, returns, complaints and "
                   "satisfaction. Grade A (90 and above) takes 10% off your commission, grade B (80–89) 5%; a score "
                   "below 80 leads to a quarterly re-qualification review.</p>"),
                qa("How do I reach the platform?",
                   "<p>Open a support ticket: we respond within 24 hours and resolve complex issues within 48 hours. "
                   "Complaints get a response within 24 hours and a resolution within 72 hours.</p>"),
            ),
        ),
    },
}

CALCULATOR: dict[str, Any] = {
    "model": "BenefitsCalculatorPage",
    "slug": "calculator",
    "menu": True,
    "zh": {
        "title": "政策测算",
        "search_description": "输入企业数据，估算可享受的租金减免、税收返还、补贴等政策支持。",
        "intro": "<p>填写您的租金、税收贡献、投资额和订单量等数据，即可估算可享受的政策支持。"
                 "测算使用与结算相同的政策数据。</p>",
        "disclaimer": "测算结果仅为估算，不构成承诺；实际金额以审核结果和合同约定为准。",
    },
    "en": {
        "title": "Benefits calculator",
        "search_description": "Enter your figures to estimate the rent relief, tax rebate and subsidies you could "
                              "get.",
        "intro": "<p>Enter your rent, tax contribution, investment and order volume to estimate the support you "
                 "could get. The calculator uses the same policy data as settlements.</p>",
        "disclaimer": "The result is an estimate, not a promise; the actual amounts are those the review and your "
                      "contract confirm.",
    },
}

APPLY: dict[str, Any] = {
    "model": "ApplyPage",
    "slug": "apply",
    "menu": True,
    "zh": {
        "title": "申请入驻",
        "search_description": "在线申请入驻：注册账号、填写企业信息、上传资料、审核、签约和缴纳保证金。",
        "intro": "<p>全程在线办理，申请可随时保存、下次继续。资料齐全后5个工作日内给出审核结论。</p>",
        "steps": stream(
            "step",
            item("注册账号并验证邮箱", "使用企业邮箱注册，点击验证邮件中的链接。"),
            item("填写企业信息", "企业名称、统一社会信用代码、经营类目、品牌和合作模式。"),
            item("上传资料", "按类目和合作模式上传所需证照，系统会列出清单。"),
            item("审核", "专项招商小组审核资料，可能请您补充信息；合规审核通过后由招商负责人作出决定。"),
            item("签约并缴纳保证金", "在线确认合同，缴纳保证金后店铺即可开通。"),
        ),
        "documents": stream(
            "document",
            doc("营业执照", "含18位统一社会信用代码。"),
            doc("生产许可证", "类目要求时提供。", required=False),
            doc("质量认证", "如ISO 9001。"),
            doc("商标注册证"),
            doc("品牌授权书", "从品牌方到申请方的完整授权链，覆盖类目和期限。"),
            doc("近三年无重大质量事故声明"),
            doc("海关信用评级与进出口资质", "仅跨境商家。", required=False),
            doc("绿色认证", "可选，展示为徽章。", required=False),
        ),
        "call_to_action": "注册并开始申请",
    },
    "en": {
        "title": "Apply",
        "search_description": "Apply online: create an account, enter your company, upload documents, review, "
                              "contract and deposit.",
        "intro": "<p>Everything happens online, and your application saves as you go so you can come back to it. "
                 "Once your documents are complete, you get a decision within 5 working days.</p>",
        "steps": stream(
            "step",
            item("Create an account and verify your email", "Sign up with your company email and follow the link "
                                                            "we send."),
            item("Enter your company", "Company name, unified social credit code, categories, brands and "
                                       "cooperation mode."),
            item("Upload your documents", "The list depends on your categories and cooperation mode; the form shows "
                                          "it."),
            item("Review", "Your category squad checks the documents and may ask for more information; after the "
                           "compliance sign-off the recruitment lead decides."),
            item("Sign and pay the deposit", "Accept the contract online; your shop opens once the deposit is "
                                             "paid."),
        ),
        "documents": stream(
            "document",
            doc("Business licence", "With the 18-character unified social credit code."),
            doc("Production licence", "Where your category needs one.", required=False),
            doc("Quality certificates", "Such as ISO 9001."),
            doc("Trademark registration certificate"),
            doc("Brand authorisation", "Every link from the brand owner to you, covering the categories and the "
                                       "period."),
            doc("Declaration of no major quality incident in the last 3 years"),
            doc("Customs credit rating and import/export qualifications", "Cross-border merchants only.",
                required=False),
            doc("Green certification", "Optional; shown as a badge.", required=False),
        ),
        "call_to_action": "Create an account and start",
    },
}

HOME["children"] = [POLICY_INDEX, PROGRAMME, COOPERATION, CASES, FAQ, CALCULATOR, APPLY]
