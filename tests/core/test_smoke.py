def test_portal(client, factory):
    commune = factory.commune("tarnac", "Tarnac")
    response = client.get("/")
    assert response.status_code == 200
    assert "Tarnac" in response.text
    assert client.get(f"/c/{commune.slug}/").status_code == 200
