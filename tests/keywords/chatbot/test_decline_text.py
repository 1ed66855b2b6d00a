"""The decline names the contact route in plain words, whatever the contact page is called."""

from keywords.chatbot.keywords import decline_text


def test_a_contact_page_titled_contact_is_not_contact_contact():
    text = decline_text({"title": "Contact the Local Offer team", "text": "Phone 01632 960000.", "url": "https://x/c"})
    assert text.endswith("Please contact the Local Offer team: Phone 01632 960000. (https://x/c)")
    other = decline_text({"title": "SEND information service", "text": "Phone 01632 960001.", "url": "https://x/s"})
    assert other.endswith("Please contact SEND information service: Phone 01632 960001. (https://x/s)")
