"""The recognisers the trimmer uses: one regular expression per idea.

Languages covered for attributions, Outlook header blocks, greetings and
sign-offs: English, Welsh, German, French, Spanish, plus attributions and
header names in Dutch, Italian, Portuguese, the Scandinavian languages,
Polish, Czech, Russian, Ukrainian, Chinese and Japanese.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# "On Mon, 3 Mar 2025 at 10:02, Reflect <r@x> wrote:" and its translations.
ATTRIBUTION_END = re.compile(
    r"(?:\bwrote|\bwrites|\bschrieb|\bschreef|\ba\s+[ée]crit|\bescribi[óo]|\bysgrifennodd"
    r"|\bskrev|\bha\s+scritto|\bscrisse|\bescreveu|\bnapisa[łl](?:\s*\(a\)|a)?|\bnapsal(?:\s*\(a\)|a)?"
    r"|пишет|написал(?:\s*\(а\)|а)?|написав(?:\s*\(ла\)|ла)?|\bkirjoitti|\bírta|\byazd[ıi]"
    r"|写道|寫道|のメッセージ|は書きました)"
    r"(?:\s.{0,200})?\s*[:：]\s*$",
    _I,
)
ATTRIBUTION_START = re.compile(
    r"^(?:on|am|le|el|ar|op|il|em|den|dne|w\s+dniu|el\s+d[ií]a|il\s+giorno|\d{1,2}\.?\s+\w+)\b", _I
)
DATE_ATTRIBUTION = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})\b"
    r"(?:\s+\d{1,2}:\d\d(?::\d\d)?(?:\s*(?:GMT|UTC)?[+-]\d\d:?\d\d)?)?\s+\S"
)
GMAIL_DATE_ATTRIBUTION = re.compile(
    r"^\d{4}-\d\d-\d\d\s+\d\d:\d\d\s+GMT[+-]\d\d:\d\d\s+\S.{0,200}$"
)

# Header names of the block Outlook (and forwards) put above an unquoted original.
_FROM_NAMES = (
    r"from|von|de|van|oddi\s*wrth|oddiwrth|gan|da|fr[åa]n|fra|od|от|lähettäjä|kimden|"
    r"发件人|寄件者|差出人|remitente|expéditeur"
)
_OTHER_NAMES = (
    r"sent|date|to|cc|bcc|subject|reply-to|gesendet|datum|an|betreff|envoy[ée]|[àa]|objet|"
    r"enviado(?:\s+el)?|fecha|para|asunto|anfonwyd|dyddiad|at|pwnc|verzonden|aan|onderwerp|"
    r"inviato|oggetto|data|assunto|skickat|till|ämne|sendt|til|emne|wysłano|do|temat|"
    r"отправлено|кому|тема|дата|lähetetty|vastaanottaja|aihe|gönderildi|kime|konu|"
    r"发送时间|收件人|主题|日付|宛先|件名|cci|kopie|copie"
)
HEADER_FROM = re.compile(rf"^\s*[*_]{{0,2}}(?:{_FROM_NAMES})\s*[*_]{{0,2}}\s*[:：]", _I)
HEADER_OTHER = re.compile(rf"^\s*[*_]{{0,2}}(?:{_OTHER_NAMES})\s*[*_]{{0,2}}\s*[:：]", _I)

# Separators that start an unquoted original or forward.
SEPARATOR = re.compile(
    r"^[\s*]*(?:"
    r"-{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|message\s+d'origine|"
    r"mensaje\s+original|neges\s+wreiddiol|originalbericht|oorspronkelijk\s+bericht|"
    r"messaggio\s+originale|mensagem\s+original|original\s+meddelelse|opprinnelig\s+melding|"
    r"ursprungligt\s+meddelande|wiadomość\s+oryginalna|исходное\s+сообщение|"
    r"forwarded\s+message|weitergeleitete\s+nachricht|message\s+transf[ée]r[ée]|"
    r"mensaje\s+reenviado|neges\s+wedi(?:'i)?\s+anfon\s+ymlaen|doorgestuurd\s+bericht|"
    r"messaggio\s+inoltrato|mensagem\s+encaminhada|videresendt\s+meddelelse|"
    r"vidarebefordrat\s+meddelande|przekazana\s+wiadomość|пересылаемое\s+сообщение)"
    r"\s*-{2,}"
    r"|_{20,}"
    r"|begin\s+forwarded\s+message\s*:|anfang\s+der\s+weitergeleiteten\s+nachricht\s*:"
    r"|d[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]\s*:|inicio\s+del\s+mensaje\s+reenviado\s*:"
    r")[\s*]*$",
    _I,
)

REPLY_MARKER = re.compile(
    r"reply\s+above\s+this\s+line|ateb\s+uwchben\s+y\s+llinell\s+hon|"
    r"antworten\s+sie\s+oberhalb\s+dieser\s+zeile|r[ée]pondez\s+au-dessus\s+de\s+cette\s+ligne|"
    r"responda\s+por\s+encima\s+de\s+esta\s+l[ií]nea",
    _I,
)

# "Sent from my iPhone", "Get Outlook for iOS" and friends.
DEVICE_FOOTER = re.compile(
    r"^[\s(<\[*_]*(?:"
    r"sent\s+(?:from|via|with|using|by)\b.{0,80}"
    r"|(?:from|sent\s+from)\s+my\s+\S.{0,60}"
    r"|get\s+(?:\[)?outlook\s+for\s+(?:ios|android|mac|windows).{0,80}"
    r"|envoy[ée]\s+(?:de|depuis|à\s+partir\s+de)\s+mon\s+.{1,60}"
    r"|enviado\s+(?:desde|de)\s+(?:mi|my)\s+.{1,60}"
    r"|anfonwyd\s+o(?:'r|\s+fy|\s+)\s*.{1,60}"
    r"|von\s+meinem\s+.{1,60}gesendet.{0,40}"
    r"|diese\s+nachricht\s+wurde\s+von\s+meinem\s+.{1,100}gesendet\.?"
    r"|verzonden\s+(?:vanaf|met|van)\s+.{1,60}"
    r"|inviato\s+da\s+.{1,60}"
    r"|enviado\s+do\s+.{1,60}"
    r"|skickat\s+från\s+.{1,60}"
    r"|sendt\s+fra\s+.{1,60}"
    r"|lähetetty\s+.{1,60}"
    r"|wysłane\s+z\s+.{1,60}"
    r"|отправлено\s+с\s+.{1,60}"
    r"|從我的.{1,30}傳送|从我的.{1,30}发送|.{1,20}から送信"
    r")[\s)>\]*_.]*$",
    _I,
)

# Top-of-message greetings: the whole line is the greeting.
GREETING = re.compile(
    r"^(?:hi|hiya|hey|hello|helo|dear|good\s+(?:morning|afternoon|evening|day)|morning|afternoon"
    r"|greetings|bore\s+da|prynhawn\s+da|noswaith\s+dda|shwmae|sut\s+mae|annwyl|hia"
    r"|hallo|hi\s+zusammen|liebe|lieber|liebes|sehr\s+geehrte[rs]?|guten\s+(?:tag|morgen|abend)|moin|servus"
    r"|bonjour|bonsoir|salut|coucou|cher|ch[èe]re|chers|ch[èe]res|madame|monsieur"
    r"|hola|buenos\s+d[ií]as|buenas(?:\s+tardes|\s+noches)?|estimad[oa]s?|querid[oa]s?)"
    r"(?:[\s,]+(?:(?-i:[A-ZÀ-ÖØ-ÞŁŚŻ][\w.'’-]*)|all|everyone|everybody|team|there|folks"
    r"|and|&|a|y|und|et|colleagues|friends|both|you\s+both|you\s+all|pawb|bawb|zusammen|alle|tous|à\s+tous|a\s+todos|todos|todas))"
    r"{0,3}\s*[,!:;]?\s*$",
    _I,
)

# A sign-off line, optionally with the name on the same line ("Cheers, Kwame").
_SIGNOFF_WORDS = (
    r"(?:kind(?:est)?|best|warm(?:est)?|many|warm\s+and\s+kind)\s+(?:regards|wishes)"
    r"|regards|best|all\s+the\s+best|best\s+wishes|with\s+(?:best|kind|warm)\s+(?:regards|wishes)"
    r"|thanks?(?:\s+(?:again|so\s+much|very\s+much|a\s+lot|all|everyone))?|thank\s+you(?:\s+(?:again|all|so\s+much))?"
    r"|many\s+thanks|much\s+appreciated|cheers|ta|yours(?:\s+(?:sincerely|faithfully|truly))?"
    r"|sincerely|take\s+care|speak\s+soon|talk\s+soon|love|with\s+thanks|best\s+of\s+luck"
    r"|diolch(?:\s+yn\s+fawr(?:\s+iawn)?)?|diolch\s+o\s+galon|cofion(?:\s+(?:gorau|cynnes))?"
    r"|gyda\s+diolch|yn\s+gywir|hwyl(?:\s+fawr)?"
    r"|mit\s+freundlichen\s+gr[üu](?:ß|ss)en|freundliche\s+gr[üu](?:ß|ss)e|(?:viele|beste|liebe|herzliche)\s+gr[üu](?:ß|ss)e"
    r"|gr[üu](?:ß|ss)e|lg|vg|mfg|danke(?:\s+schön)?|vielen\s+dank|herzlichst|bis\s+bald"
    r"|cordialement|bien\s+cordialement|bien\s+à\s+(?:vous|toi)|merci(?:\s+beaucoup)?|amiti[ée]s"
    r"|bonne\s+journ[ée]e|salutations|sinc[èe]res\s+salutations|[àa]\s+bient[ôo]t|bises"
    r"|saludos(?:\s+cordiales)?|un\s+saludo(?:\s+cordial)?|atentamente|gracias|muchas\s+gracias"
    r"|un\s+abrazo|abrazos|cordialmente|hasta\s+pronto"
)
_NAME = r"(?-i:[A-ZÀ-ÖØ-ÞŁŚŻ][\w.'’-]*)"
SIGNOFF = re.compile(
    rf"^\s*(?:{_SIGNOFF_WORDS})(?:\s*[,!.]?\s*/\s*(?:{_SIGNOFF_WORDS}))?\s*[,!.;:]*"
    rf"(?:(?<=[,!.;:])\s*{_NAME}(?:\s+{_NAME}){{0,2}}|\s+{_NAME}(?:\s+{_NAME}){{0,2}})?\s*[,!.]?\s*$",
    _I,
)
DASH_NAME = re.compile(r"^\s*[-–—~]\s?[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,2}\s*$")

# Disclaimers, gateway banners and virus-scan footers, judged per paragraph.
DISCLAIMER_STRONG = re.compile(
    r"intended\s+(?:solely\s+)?(?:only\s+)?for\s+the\s+(?:use\s+of\s+the\s+)?(?:named\s+)?"
    r"(?:addressee|recipient|individual)|intended\s+recipient|received\s+this\s+(?:e-?mail|message|"
    r"communication)\s+in\s+error|if\s+you\s+are\s+not\s+the\s+(?:intended|named|addressee)"
    r"|this\s+(?:e-?mail|message)\s+(?:and\s+any\s+(?:files|attachments)\s+)?(?:transmitted\s+with\s+it\s+)?"
    r"(?:is|are|may\s+be)\s+(?:strictly\s+)?(?:confidential|privileged)"
    r"|may\s+contain\s+(?:confidential|privileged)|please\s+consider\s+the\s+environment"
    r"|scanned\s+(?:by|for)\s+(?:viruses|malware|\w+\s+(?:anti-?virus|security))"
    r"|checked\s+for\s+viruses|virus[- ]free|anti-?virus\s+software|www\.avast\.com"
    r"|cyfrinachol\s+ac\s+wedi\s+(?:ei|eu)\s+fwriadu|os\s+ydych\s+wedi\s+derbyn\s+y\s+neges\s+hon\s+trwy\s+gamgymeriad"
    r"|nicht\s+der\s+(?:richtige|beabsichtigte)\s+(?:adressat|empfänger)|irrtümlich\s+erhalten"
    r"|vertrauliche\s+(?:und|oder)?\s*(?:/|\s)?\s*(?:oder\s+)?rechtlich\s+geschützte"
    r"|destinataire\s+(?:pr[ée]vu|vis[ée])|re[çc]u\s+ce\s+(?:message|courriel)\s+par\s+erreur"
    r"|strictement\s+confidentiel|destinatario\s+(?:previsto|indicado)|recibido\s+este\s+(?:mensaje|correo)"
    r"\s+por\s+error|es\s+confidencial",
    _I,
)
BANNER = re.compile(
    r"^\s*(?:\[?\s*(?:caution|warning|external(?:\s+email)?|notice|attention)\s*\]?\s*[:!-]?\s*)?"
    r"(?:this\s+(?:e-?mail|message)\s+(?:originated|came|was\s+sent)\s+from\s+outside"
    r"|external\s+(?:e-?mail|sender)\b"
    r"|you\s+don'?t\s+often\s+get\s+email\s+from"
    r"|do\s+not\s+click\s+(?:on\s+)?links"
    r"|be\s+(?:cautious|careful)\s+(?:with|when|of|before)\s+(?:links|opening|clicking|attachments)"
    r"|think\s+before\s+you\s+click|(?:report|forward)\s+(?:it|this)\s+(?:as\s+phishing|to\s+(?:it|phishing))"
    r"|this\s+(?:e-?mail|message)\s+(?:is|was)\s+(?:from|sent\s+by)\s+an?\s+(?:external|outside)\s+sender)",
    _I,
)
BANNER_TAG = re.compile(
    r"^\s*[\[(*]\s*(?:external|extern|externe|externo|allanol)\s*[\])*]\s*:?\s*", _I
)
CID = re.compile(r"\[cid:[^\]\n]{0,300}\]")
