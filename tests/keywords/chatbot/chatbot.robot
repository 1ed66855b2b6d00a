*** Settings ***
Documentation       The chatbot keyword library as a robot uses it. Run by test_chatbot_library.py,
...                 which builds a small knowledge base in a temporary folder and passes it as ${KB}.
Library             OperatingSystem
Library             String
Library             keywords.chatbot


*** Variables ***
${KB}       ${EMPTY}
${BAD}      ${EMPTY}
${QUESTION}    ${EMPTY}


*** Test Cases ***
An answer cites the right page, its address and its updated date
    Load Knowledge Base    ${KB}
    ${answer}=    Ask Chatbot    can my son get a taxi to scool
    Should Be True    ${answer}[answered]
    Should Be Equal    ${answer}[page]    send-transport
    Should Be Equal    ${answer}[url]    https://www.example.org/local-offer/send-transport
    Should Be Equal    ${answer}[updated]    2026-02-16
    Should Be Equal    ${answer}[title]    Home to school transport
    Should Contain    ${answer}[answer]    minibus
    Should Be True    0 < ${answer}[confidence] <= 1

A question outside the knowledge base is declined with the contact route
    Load Knowledge Base    ${KB}
    ${answer}=    Ask Chatbot    when are the bins collected on my street
    Should Not Be True    ${answer}[answered]
    Should Contain    ${answer}[answer]    01632 960700
    Should Be Equal    ${answer}[contact][url]    https://www.example.org/local-offer/contact-and-feedback
    Should Be Equal    ${answer}[url]    https://www.example.org/local-offer/contact-and-feedback

A changed page is reflected in the next answer
    Load Knowledge Base    ${KB}
    ${before}=    Ask Chatbot    how much is the mileage allowance
    Should Contain    ${before}[answer]    45p a mile
    ${page}=    Get File    ${KB}${/}send-transport.md
    ${page}=    Replace String    ${page}    45p a mile    52p a mile from April
    ${page}=    Replace String    ${page}    2026-02-16    2026-04-01
    Create File    ${KB}${/}send-transport.md    ${page}
    ${after}=    Ask Chatbot    how much is the mileage allowance
    Should Contain    ${after}[answer]    52p a mile from April
    Should Be Equal    ${after}[updated]    2026-04-01

HTML pages are read
    Load Knowledge Base    ${KB}
    ${answer}=    Ask Chatbot    is there a specialist play scheme for children who need tube feeding
    Should Be True    ${answer}[answered]
    Should Be Equal    ${answer}[page]    holiday-activities
    Should Be Equal    ${answer}[url]    https://www.example.org/local-offer/holiday-activities
    Should Be Equal    ${answer}[updated]    2026-02-09
    Should Contain    ${answer}[answer]    Brookfield School
    Should Not Contain    ${answer}[answer]    cookie

A question passed in a variable is answered and stays out of the log
    Load Knowledge Base    ${KB}
    ${answer}=    Ask Chatbot    ${QUESTION}
    Should Be True    ${answer}[answered]
    Should Be Equal    ${answer}[page]    autism-assessment

Malformed front matter fails with the file's name
    Run Keyword And Expect Error    *broken.md*front matter*    Load Knowledge Base    ${BAD}
