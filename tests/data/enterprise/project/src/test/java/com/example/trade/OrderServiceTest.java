package com.example.trade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrderServiceTest {
    private final OrderService service =
            new OrderService(new RiskChecker(new BigDecimal("1000000"), Set.of("ST0001")), new PriceCalculator());

    @Test
    void acceptsValidOrder() {
        Order order = new Order("A1", "600000", Order.Side.BUY, 1000, new BigDecimal("10.00"));
        assertEquals("ACCEPTED:5.00", service.place(order));
        assertEquals(1, service.book().size());
    }

    @Test
    void rejectsRestrictedOrder() {
        Order order = new Order("A1", "ST0001", Order.Side.BUY, 100, new BigDecimal("3.00"));
        assertEquals("REJECTED:RESTRICTED", service.place(order));
        assertTrue(service.book().isEmpty());
    }
}
